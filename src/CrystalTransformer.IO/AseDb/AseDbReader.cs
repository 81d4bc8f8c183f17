using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using CrystalTransformer.Structures;
using Microsoft.Data.Sqlite;

namespace CrystalTransformer.IO.AseDb;

/// <summary>
/// Reads an ASE database (<c>ase.db</c>, SQLite), row by row in id order, from its table <c>systems</c> as ASE writes it:
/// <c>numbers</c> a blob of little-endian int32 (int64 in old files) atomic numbers; <c>positions</c> a blob of
/// little-endian float64 Cartesian coordinates in Å (atoms × 3); <c>cell</c> a blob of 9 float64, the rows being the
/// cell vectors; <c>pbc</c> a bit mask (1 = x, 2 = y, 4 = z); <c>key_value_pairs</c> JSON. Numbers among the key-value
/// pairs become labels, strings text information (<c>split</c> among them), booleans "True"/"False"; the calculated
/// <c>energy</c>, <c>free_energy</c> and <c>magmom</c> columns become labels when set (a key-value pair of the same
/// name wins). The id is the key <c>material_id</c>, <c>mp_id</c> or <c>name</c> when the row has one, else the row id.
/// A row that is not a periodic crystal (pbc not all true: molecules, slabs), or whose blobs do not fit together, is
/// an error naming the file and the row id.
/// </summary>
public static class AseDbReader
{
    private static readonly string[] IdKeys = ["material_id", "mp_id", "name"];
    private static readonly string[] Required = ["id", "numbers", "positions", "cell", "pbc"];
    private static readonly string[] Calculated = ["energy", "free_energy", "magmom"];

    public static IEnumerable<Structure> Read(string path, string source, ReadOptions options)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        using var connection = new SqliteConnection(builder.ToString());
        try { connection.Open(); }
        catch (SqliteException ex) { throw new InputError($"cannot open as an SQLite database ({ex.Message})", source); }
        var columns = new List<string>();
        try
        {
            using var info = connection.CreateCommand();
            info.CommandText = "PRAGMA table_info(systems)";
            using var r = info.ExecuteReader();
            while (r.Read()) columns.Add(r.GetString(1));
        }
        catch (SqliteException ex) { throw new InputError($"not a readable SQLite database ({ex.Message})", source); }
        if (columns.Count == 0) throw new InputError("an SQLite database without ASE's 'systems' table: not an ASE database", source);
        var missing = Required.Where(c => !columns.Contains(c)).ToArray();
        if (missing.Length > 0) throw new InputError($"ASE's 'systems' table lacks the column(s) {string.Join(", ", missing)}", source);
        var optional = new[] { "key_value_pairs" }.Concat(Calculated).Where(columns.Contains).ToArray();

        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {string.Join(", ", Required.Concat(optional))} FROM systems ORDER BY id";
        SqliteDataReader reader;
        try { reader = command.ExecuteReader(); }
        catch (SqliteException ex) { throw new InputError($"cannot read the 'systems' table ({ex.Message})", source); }
        using (reader)
        {
            while (true)
            {
                bool more;
                try { more = reader.Read(); }
                catch (SqliteException ex) { throw new InputError($"cannot read the 'systems' table ({ex.Message})", source); }
                if (!more) yield break;
                long rowId = reader.GetInt64(0);
                Structure? structure = null;
                try { structure = Row(reader, rowId, optional); }
                catch (InputError ex)
                {
                    var located = new InputError($"row id {rowId}: {ex.Reason}", source);
                    if (options.BadRecord is null) throw located;
                    options.BadRecord(located);
                }
                if (structure is not null) yield return structure;
            }
        }
    }

    private static Structure Row(SqliteDataReader r, long rowId, string[] optional)
    {
        byte[] numbers = Blob(r, 1, "numbers"), positions = Blob(r, 2, "positions"), cellBytes = Blob(r, 3, "cell");
        long pbc = r.IsDBNull(4) ? 0 : r.GetInt64(4);
        if (pbc != 7)
            throw new InputError(pbc == 0
                ? "not periodic (pbc F F F): a molecule, and crystal structures need a cell"
                : $"periodic along {string.Join(" and ", new[] { (1, "x"), (2, "y"), (4, "z") }.Where(b => (pbc & b.Item1) != 0).Select(b => b.Item2))} only (a slab or wire): crystal structures need all three");
        if (positions.Length % 24 != 0) throw new InputError($"positions blob of {positions.Length} bytes is not a whole number of atoms (24 bytes each)");
        int n = positions.Length / 24;
        if (n == 0) throw new InputError("no atoms");
        int width = numbers.Length == 4 * n ? 4 : numbers.Length == 8 * n ? 8
            : throw new InputError($"numbers blob of {numbers.Length} bytes does not fit {n} atoms (int32 or int64 each)");
        if (cellBytes.Length != 72) throw new InputError($"cell blob of {cellBytes.Length} bytes, expected 72 (3 × 3 float64)");
        var c = new double[9];
        for (int i = 0; i < 9; i++) c[i] = BinaryPrimitives.ReadDoubleLittleEndian(cellBytes.AsSpan(8 * i));
        Lattice lattice;
        try { lattice = new Lattice(new Mat3(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8])); }
        catch (InputError ex) { throw new InputError($"cell: {ex.Reason}"); }
        var sites = new Site[n];
        for (int i = 0; i < n; i++)
        {
            long z = width == 4 ? BinaryPrimitives.ReadInt32LittleEndian(numbers.AsSpan(4 * i)) : BinaryPrimitives.ReadInt64LittleEndian(numbers.AsSpan(8 * i));
            if (z < 1 || z > PeriodicTable.MaxZ) throw new InputError($"atom {i + 1}: atomic number {z} is not an element");
            var xyz = new Vec3(
                BinaryPrimitives.ReadDoubleLittleEndian(positions.AsSpan(24 * i)),
                BinaryPrimitives.ReadDoubleLittleEndian(positions.AsSpan(24 * i + 8)),
                BinaryPrimitives.ReadDoubleLittleEndian(positions.AsSpan(24 * i + 16)));
            if (!xyz.IsFinite) throw new InputError($"atom {i + 1}: position is not finite");
            sites[i] = new Site(PeriodicTable.Get((int)z), lattice.ToFractional(xyz));
        }

        var labels = new Dictionary<string, double>(StringComparer.Ordinal);
        var info = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int k = 0; k < optional.Length; k++)
        {
            int ordinal = Required.Length + k;
            if (r.IsDBNull(ordinal)) continue;
            if (optional[k] == "key_value_pairs") KeyValuePairs(r.GetString(ordinal), labels, info);
        }
        for (int k = 0; k < optional.Length; k++)
        {
            int ordinal = Required.Length + k;
            if (optional[k] != "key_value_pairs" && !r.IsDBNull(ordinal) && !labels.ContainsKey(optional[k]) && !info.ContainsKey(optional[k]))
                labels[optional[k]] = r.GetDouble(ordinal);
        }
        string id = IdKeys.Select(key => info.TryGetValue(key, out var v) ? v : null).FirstOrDefault(v => v is { Length: > 0 })
                    ?? rowId.ToString(CultureInfo.InvariantCulture);
        return new Structure(lattice, sites, id, labels, info);
    }

    private static byte[] Blob(SqliteDataReader r, int ordinal, string name)
    {
        if (r.IsDBNull(ordinal)) throw new InputError($"no {name}");
        return r.GetFieldValue<byte[]>(ordinal);
    }

    private static void KeyValuePairs(string json, Dictionary<string, double> labels, Dictionary<string, string> info)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException ex) { throw new InputError($"key_value_pairs is not valid JSON ({ex.Message.ReplaceLineEndings(" ")})"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return;
            foreach (var p in doc.RootElement.EnumerateObject())
                switch (p.Value.ValueKind)
                {
                    case JsonValueKind.Number: labels[p.Name] = p.Value.GetDouble(); break;
                    case JsonValueKind.String: info[p.Name] = p.Value.GetString()!; break;
                    case JsonValueKind.True: info[p.Name] = "True"; break;
                    case JsonValueKind.False: info[p.Name] = "False"; break;
                }
        }
    }
}
