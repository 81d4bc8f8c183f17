using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using CrystalTransformer.IO;
using CrystalTransformer.Structures;
using Microsoft.Win32.SafeHandles;

namespace CrystalTransformer.Graphs;

/// <summary>Options for <see cref="GraphCache.OpenOrBuild"/>.</summary>
public sealed record GraphCacheOptions
{
    /// <summary>Threads used to build graphs (default 1).</summary>
    public int Threads { get; init; } = 1;
    /// <summary>Structures built and written per step: memory while building is bounded by one chunk of graphs.</summary>
    public int ChunkSize { get; init; } = 1024;
    /// <summary>Receives one-line warnings (an unreadable cache file that is being rebuilt).</summary>
    public Action<string>? Warning { get; init; }
    /// <summary>Called after each chunk with (graphs written, total) while building.</summary>
    public Action<int, int>? Progress { get; init; }
}

/// <summary>
/// Graphs built once and streamed from a binary file, so a large data set trains in bounded memory.
/// <para>
/// The file is keyed by a SHA-256 of the structures (ids, lattices, species, occupancies, coordinates), the graph
/// settings and the format version: <see cref="OpenOrBuild"/> reuses it when the key matches and rebuilds it otherwise.
/// A truncated or corrupt file is rebuilt after a one-line warning. Files are written to a temporary name, flushed to
/// disk and renamed, so a crash never leaves a half-written cache under the real name.
/// </para>
/// <para>
/// Layout (little-endian): a 64-byte header ("CTGRAPHS", version, flags, 32-byte key, graph count, index offset), one
/// record per graph (id, atomic numbers as bytes, per-node degrees, targets, float32 distances, image offsets as
/// int8 or int32, float32 bond vectors, each record with an XxHash3 checksum), then the record offsets, their checksum
/// and an end marker. Line graphs are not stored: they are rebuilt from the bond vectors on reading (cheap), which
/// keeps ALIGNN caches small.
/// </para>
/// Reading is thread-safe (positional reads); each <see cref="Read"/> returns fresh arrays.
/// </summary>
public sealed class GraphCache : IDisposable
{
    /// <summary>Version of the file layout; files of other versions are rebuilt.</summary>
    public const int FormatVersion = 1;

    private const int HeaderSize = 64;
    private const uint RecordMagic = 0x43455247; // "GREC"
    private static readonly byte[] FileMagic = "CTGRAPHS"u8.ToArray();
    private static readonly byte[] EndMagic = "CTGEND\0\0"u8.ToArray();
    private const int RecordHeaderSize = 24;

    private readonly SafeFileHandle _handle;
    private readonly long[] _offsets; // [Count + 1]: record k spans _offsets[k] .. _offsets[k+1]
    private readonly IReadOnlyList<Structure> _structures;
    private readonly Action<string>? _warning;
    private int _warnedCorruptRecord;

    /// <summary>The cache file.</summary>
    public string Path { get; }
    /// <summary>The settings the graphs were built with.</summary>
    public GraphSettings Settings { get; }
    /// <summary>Number of graphs (= number of structures).</summary>
    public int Count => _offsets.Length - 1;
    /// <summary>True when this call built (or rebuilt) the file rather than reusing it.</summary>
    public bool Built { get; }
    /// <summary>Size of the cache file in bytes.</summary>
    public long FileSize { get; }

    private GraphCache(string path, SafeFileHandle handle, long[] offsets, IReadOnlyList<Structure> structures, GraphSettings settings, bool built, long size, Action<string>? warning)
    {
        Path = path; _handle = handle; _offsets = offsets; _structures = structures; Settings = settings; Built = built; FileSize = size; _warning = warning;
    }

    /// <summary>
    /// Opens the cache at <paramref name="path"/> when it was built from these structures with these settings;
    /// otherwise (missing, stale, truncated or corrupt) builds it first.
    /// </summary>
    public static GraphCache OpenOrBuild(string path, IReadOnlyList<Structure> structures, GraphSettings settings, GraphCacheOptions? options = null)
    {
        options ??= new GraphCacheOptions();
        settings.Validate();
        path = System.IO.Path.GetFullPath(path);
        var key = ComputeKey(structures, settings);
        if (File.Exists(path))
        {
            var (status, reason) = TryOpen(path, key, structures.Count, out var handle, out var offsets, out long size);
            if (status == OpenStatus.Ok)
                return new GraphCache(path, handle!, offsets!, structures, settings, built: false, size, options.Warning);
            if (status == OpenStatus.Corrupt)
                options.Warning?.Invoke($"graph cache {path} is unreadable ({reason}); rebuilding it");
        }
        Write(path, key, structures, settings, options);
        var (again, why) = TryOpen(path, key, structures.Count, out var h, out var o, out long s);
        if (again != OpenStatus.Ok) throw new IOException($"graph cache {path} could not be read back after writing it ({why})");
        return new GraphCache(path, h!, o!, structures, settings, built: true, s, options.Warning);
    }

    /// <summary>SHA-256 of the format version, the settings key and every structure's data.</summary>
    public static byte[] ComputeKey(IReadOnlyList<Structure> structures, GraphSettings settings)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[8];
        void Int(long v) { BinaryPrimitives.WriteInt64LittleEndian(buffer, v); hash.AppendData(buffer); }
        void Double(double v) { BinaryPrimitives.WriteDoubleLittleEndian(buffer, v); hash.AppendData(buffer); }
        void Text(string s) { var bytes = Encoding.UTF8.GetBytes(s); Int(bytes.Length); hash.AppendData(bytes); }
        Int(FormatVersion);
        Text(settings.Key);
        Int(structures.Count);
        foreach (var s in structures)
        {
            Text(s.Id);
            var m = s.Lattice.Matrix;
            Double(m.M00); Double(m.M01); Double(m.M02); Double(m.M10); Double(m.M11); Double(m.M12); Double(m.M20); Double(m.M21); Double(m.M22);
            Int(s.Count);
            foreach (var site in s.Sites)
            {
                Int(site.Occupants.Count);
                foreach (var o in site.Occupants) { Int(o.Element.Z); Double(o.Occupancy); }
                Double(site.Frac.X); Double(site.Frac.Y); Double(site.Frac.Z);
            }
        }
        return hash.GetHashAndReset();
    }

    /// <summary>The graph of structure <paramref name="index"/>.</summary>
    public CrystalGraph Read(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), $"graph {index} is outside 0..{Count - 1}");
        long start = _offsets[index];
        int length = checked((int)(_offsets[index + 1] - start));
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var span = buffer.AsSpan(0, length);
            string? problem = ReadExactly(_handle, span, start) ? null : "file is shorter than its index";
            CrystalGraph? graph = null;
            if (problem is null)
            {
                try { graph = Parse(span); }
                catch (InvalidDataException ex) { problem = ex.Message; }
            }
            if (graph is null)
            {
                // The file changed under us: build this graph directly (same result) and say so once.
                if (Interlocked.Exchange(ref _warnedCorruptRecord, 1) == 0)
                    _warning?.Invoke($"graph cache {Path} record {index} is unreadable ({problem}); building such graphs directly");
                return GraphBuilder.Build(_structures[index], Settings);
            }
            return Settings.LineGraph ? graph.WithLineGraph() : graph;
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    /// <summary>The graphs of the given structures collated into one batch.</summary>
    public GraphBatch ReadBatch(IReadOnlyList<int> indices)
    {
        var graphs = new CrystalGraph[indices.Count];
        for (int k = 0; k < graphs.Length; k++) graphs[k] = Read(indices[k]);
        return GraphBatch.Collate(graphs);
    }

    /// <summary>Streams every graph in order (only one graph is held at a time).</summary>
    public IEnumerable<CrystalGraph> ReadAll()
    {
        for (int k = 0; k < Count; k++) yield return Read(k);
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();

    private enum OpenStatus { Ok, Stale, Corrupt }

    private static (OpenStatus, string) TryOpen(string path, byte[] key, int expectedCount, out SafeFileHandle? handle, out long[]? offsets, out long size)
    {
        handle = null; offsets = null; size = 0;
        SafeFileHandle? h = null;
        try
        {
            h = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
            size = RandomAccess.GetLength(h);
            var (status, reason) = Validate(h, size, key, expectedCount, out offsets);
            if (status != OpenStatus.Ok) { h.Dispose(); return (status, reason); }
            handle = h;
            return (OpenStatus.Ok, "");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            h?.Dispose();
            return (OpenStatus.Corrupt, ex.Message.ReplaceLineEndings(" "));
        }
    }

    private static (OpenStatus, string) Validate(SafeFileHandle h, long size, byte[] key, int expectedCount, out long[]? offsets)
    {
        offsets = null;
        if (size < HeaderSize + 16) return (OpenStatus.Corrupt, $"only {size} bytes");
        Span<byte> header = stackalloc byte[HeaderSize];
        if (!ReadExactly(h, header, 0)) return (OpenStatus.Corrupt, "truncated header");
        if (!header[..8].SequenceEqual(FileMagic)) return (OpenStatus.Corrupt, "not a graph cache file");
        int version = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (version != FormatVersion) return (OpenStatus.Stale, $"format version {version}");
        if (!header.Slice(16, 32).SequenceEqual(key)) return (OpenStatus.Stale, "structures or settings changed");
        long count = BinaryPrimitives.ReadInt64LittleEndian(header[48..]);
        long indexOffset = BinaryPrimitives.ReadInt64LittleEndian(header[56..]);
        if (count != expectedCount) return (OpenStatus.Corrupt, $"holds {count} graphs, expected {expectedCount}");
        long expectedSize = indexOffset + 8 * count + 16;
        if (indexOffset < HeaderSize || expectedSize != size) return (OpenStatus.Corrupt, $"{size} bytes, its index says {expectedSize}");
        var index = new byte[8 * count + 16];
        if (!ReadExactly(h, index, indexOffset)) return (OpenStatus.Corrupt, "truncated index");
        if (!index.AsSpan((int)(8 * count) + 8, 8).SequenceEqual(EndMagic)) return (OpenStatus.Corrupt, "missing end marker");
        ulong checksum = BinaryPrimitives.ReadUInt64LittleEndian(index.AsSpan((int)(8 * count)));
        if (XxHash3.HashToUInt64(index.AsSpan(0, (int)(8 * count))) != checksum) return (OpenStatus.Corrupt, "index checksum mismatch");
        var offs = new long[count + 1];
        for (int k = 0; k < count; k++) offs[k] = BinaryPrimitives.ReadInt64LittleEndian(index.AsSpan(8 * k));
        offs[count] = indexOffset;
        for (int k = 0; k < count; k++)
            if (offs[k] < HeaderSize || offs[k + 1] - offs[k] < RecordHeaderSize + 8 || offs[k + 1] - offs[k] > int.MaxValue)
                return (OpenStatus.Corrupt, $"bad offset of record {k}");
        // Verify every record's checksum once (one sequential pass), so damage is found now and not mid-training.
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            for (int k = 0; k < count; k++)
            {
                int length = (int)(offs[k + 1] - offs[k]);
                if (buffer.Length < length) { ArrayPool<byte>.Shared.Return(buffer); buffer = ArrayPool<byte>.Shared.Rent(length); }
                var span = buffer.AsSpan(0, length);
                if (!ReadExactly(h, span, offs[k])) return (OpenStatus.Corrupt, $"truncated record {k}");
                if (!ChecksumOk(span)) return (OpenStatus.Corrupt, $"checksum mismatch in record {k}");
            }
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
        offsets = offs;
        return (OpenStatus.Ok, "");
    }

    private static bool ChecksumOk(ReadOnlySpan<byte> record) =>
        XxHash3.HashToUInt64(record[..^8]) == BinaryPrimitives.ReadUInt64LittleEndian(record[^8..]);

    private static bool ReadExactly(SafeFileHandle h, Span<byte> destination, long offset)
    {
        while (destination.Length > 0)
        {
            int n = RandomAccess.Read(h, destination, offset);
            if (n <= 0) return false;
            destination = destination[n..];
            offset += n;
        }
        return true;
    }

    private static void Write(string path, byte[] key, IReadOnlyList<Structure> structures, GraphSettings settings, GraphCacheOptions options)
    {
        var stored = settings with { LineGraph = false }; // line graphs are rebuilt on reading
        TextFiles.WriteAtomicBytes(path, file =>
        {
            var offsets = new long[structures.Count];
            file.Write(new byte[HeaderSize]);
            var record = new ArrayBufferWriter<byte>(1 << 16);
            int chunk = Math.Max(1, options.ChunkSize);
            for (int start = 0; start < structures.Count; start += chunk)
            {
                int n = Math.Min(chunk, structures.Count - start);
                var part = new Structure[n];
                for (int k = 0; k < n; k++) part[k] = structures[start + k];
                var graphs = GraphBuilder.BuildAll(part, stored, options.Threads);
                for (int k = 0; k < n; k++)
                {
                    offsets[start + k] = file.Position;
                    record.ResetWrittenCount();
                    Serialize(graphs[k], record);
                    file.Write(record.WrittenSpan);
                }
                options.Progress?.Invoke(start + n, structures.Count);
            }
            long indexOffset = file.Position;
            var index = new byte[8 * offsets.Length + 16];
            for (int k = 0; k < offsets.Length; k++) BinaryPrimitives.WriteInt64LittleEndian(index.AsSpan(8 * k), offsets[k]);
            BinaryPrimitives.WriteUInt64LittleEndian(index.AsSpan(8 * offsets.Length), XxHash3.HashToUInt64(index.AsSpan(0, 8 * offsets.Length)));
            EndMagic.CopyTo(index.AsSpan(8 * offsets.Length + 8));
            file.Write(index);
            var header = new byte[HeaderSize];
            FileMagic.CopyTo(header, 0);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), FormatVersion);
            key.CopyTo(header, 16);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(48), offsets.Length);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(56), indexOffset);
            file.Position = 0;
            file.Write(header);
        });
    }

    private static void Serialize(CrystalGraph g, ArrayBufferWriter<byte> w)
    {
        int n = g.NodeCount, e = g.EdgeCount;
        bool smallImages = true;
        foreach (int v in g.Images) if (v < sbyte.MinValue || v > sbyte.MaxValue) { smallImages = false; break; }
        var id = Encoding.UTF8.GetBytes(g.Id);
        var head = w.GetSpan(RecordHeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(head, RecordMagic);
        BinaryPrimitives.WriteInt32LittleEndian(head[4..], n);
        BinaryPrimitives.WriteInt32LittleEndian(head[8..], e);
        BinaryPrimitives.WriteInt32LittleEndian(head[12..], g.SitesWithTooFewNeighbors);
        BinaryPrimitives.WriteInt32LittleEndian(head[16..], id.Length);
        BinaryPrimitives.WriteInt32LittleEndian(head[20..], smallImages ? 1 : 4);
        w.Advance(RecordHeaderSize);
        w.Write(id);
        var z = w.GetSpan(n);
        for (int i = 0; i < n; i++) z[i] = checked((byte)g.AtomicNumbers[i]);
        w.Advance(n);
        var degree = new int[n];
        foreach (int s in g.EdgeSource) degree[s]++;
        WriteArray(w, degree);
        WriteArray(w, g.EdgeTarget);
        WriteArray(w, g.Distances);
        if (smallImages)
        {
            var span = w.GetSpan(g.Images.Length);
            for (int k = 0; k < g.Images.Length; k++) span[k] = unchecked((byte)(sbyte)g.Images[k]);
            w.Advance(g.Images.Length);
        }
        else WriteArray(w, g.Images);
        WriteArray(w, g.BondVectors);
        // The record so far (it starts at the writer's beginning) gets its checksum.
        ulong checksum = XxHash3.HashToUInt64(w.WrittenSpan);
        BinaryPrimitives.WriteUInt64LittleEndian(w.GetSpan(8), checksum);
        w.Advance(8);
    }

    /// <summary>Appends 4-byte values (int or float) in little-endian order.</summary>
    private static void WriteArray<T>(ArrayBufferWriter<byte> w, T[] values) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        if (BitConverter.IsLittleEndian) { w.Write(bytes); return; }
        var copy = bytes.ToArray();
        SwapWords(copy);
        w.Write(copy);
    }

    /// <summary>Reverses the byte order of each 4-byte word (big-endian hosts only).</summary>
    private static void SwapWords(Span<byte> bytes)
    {
        var words = MemoryMarshal.Cast<byte, int>(bytes);
        for (int k = 0; k < words.Length; k++) words[k] = BinaryPrimitives.ReverseEndianness(words[k]);
    }

    /// <summary>Reads <paramref name="count"/> little-endian 4-byte values (int or float).</summary>
    private static T[] ReadArray<T>(ReadOnlySpan<byte> r, ref int p, int count) where T : unmanaged
    {
        var values = new T[count];
        var target = MemoryMarshal.AsBytes(values.AsSpan());
        r.Slice(p, target.Length).CopyTo(target);
        if (!BitConverter.IsLittleEndian) SwapWords(target);
        p += target.Length;
        return values;
    }

    private static CrystalGraph Parse(ReadOnlySpan<byte> r)
    {
        if (r.Length < RecordHeaderSize + 8 || BinaryPrimitives.ReadUInt32LittleEndian(r) != RecordMagic) throw new InvalidDataException("not a graph record");
        if (!ChecksumOk(r)) throw new InvalidDataException("checksum mismatch");
        int n = BinaryPrimitives.ReadInt32LittleEndian(r[4..]);
        int e = BinaryPrimitives.ReadInt32LittleEndian(r[8..]);
        int shortSites = BinaryPrimitives.ReadInt32LittleEndian(r[12..]);
        int idLength = BinaryPrimitives.ReadInt32LittleEndian(r[16..]);
        int imageWidth = BinaryPrimitives.ReadInt32LittleEndian(r[20..]);
        long expected = RecordHeaderSize + (long)idLength + n + 4L * n + 4L * e + 4L * e + 3L * e * imageWidth + 12L * e + 8;
        if (n < 0 || e < 0 || idLength < 0 || imageWidth is not (1 or 4) || expected != r.Length) throw new InvalidDataException("inconsistent record sizes");
        int p = RecordHeaderSize;
        string id = Encoding.UTF8.GetString(r.Slice(p, idLength)); p += idLength;
        var z = new int[n];
        for (int i = 0; i < n; i++) z[i] = r[p + i];
        p += n;
        var degree = ReadArray<int>(r, ref p, n);
        var src = new int[e];
        int k = 0;
        for (int i = 0; i < n; i++)
        {
            if (degree[i] < 0 || k + degree[i] > e) throw new InvalidDataException("inconsistent degrees");
            src.AsSpan(k, degree[i]).Fill(i);
            k += degree[i];
        }
        if (k != e) throw new InvalidDataException("inconsistent degrees");
        var dst = ReadArray<int>(r, ref p, e);
        var dist = ReadArray<float>(r, ref p, e);
        int[] images;
        if (imageWidth == 1)
        {
            images = new int[3 * e];
            for (int q = 0; q < images.Length; q++) images[q] = unchecked((sbyte)r[p + q]);
            p += images.Length;
        }
        else images = ReadArray<int>(r, ref p, 3 * e);
        var bonds = ReadArray<float>(r, ref p, 3 * e);
        try { return new CrystalGraph(id, z, src, dst, dist, images, bonds, null, shortSites); }
        catch (ArgumentException ex) { throw new InvalidDataException(ex.Message); }
    }
}
