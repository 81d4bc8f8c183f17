using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.Cif;

/// <summary>One value of a CIF file with the line it came from. Unquoted "?" is unknown, unquoted "." inapplicable.</summary>
public readonly record struct CifValue(string Text, bool Quoted, int Line)
{
    public bool IsUnknown => !Quoted && Text == "?";
    public bool IsInapplicable => !Quoted && Text == ".";
    /// <summary>True for "?" and "." (no value given).</summary>
    public bool IsMissing => !Quoted && Text is "?" or ".";

    public override string ToString() => Text;
}

/// <summary>A loop_ of a data block: tags and their values row by row.</summary>
public sealed class CifLoop
{
    public IReadOnlyList<string> Tags { get; }
    public IReadOnlyList<CifValue> Values { get; }
    /// <summary>Line of the loop_ keyword.</summary>
    public int Line { get; }

    internal CifLoop(IReadOnlyList<string> tags, IReadOnlyList<CifValue> values, int line)
    {
        Tags = tags;
        Values = values;
        Line = line;
    }

    public int RowCount => Values.Count / Tags.Count;

    /// <summary>True when the number of values is a whole number of rows.</summary>
    public bool IsComplete => Values.Count % Tags.Count == 0;

    public CifValue this[int row, int column] => Values[row * Tags.Count + column];
}

/// <summary>
/// A CIF data block: single items and loops, with tags looked up case-insensitively (CIF tags are case-insensitive).
/// </summary>
public sealed class CifBlock
{
    private readonly Dictionary<string, CifValue> _items = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (CifLoop Loop, int Column)> _loopTags = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<CifLoop> _loops = new();

    public string Name { get; }
    /// <summary>Line of the data_ header.</summary>
    public int Line { get; }

    internal CifBlock(string name, int line)
    {
        Name = name;
        Line = line;
    }

    public IReadOnlyList<CifLoop> Loops => _loops;
    public IEnumerable<string> ItemTags => _items.Keys;

    /// <summary>
    /// Adds a single item. A tag given twice with different values contradicts itself: the file is refused (an
    /// identical repetition is harmless and kept once).
    /// </summary>
    internal void AddItem(string tag, CifValue value, string source)
    {
        string key = Key(tag);
        if (_items.TryGetValue(key, out var earlier))
        {
            if (earlier.Text == value.Text) return;
            throw new InputError($"tag {tag} is given twice with different values ('{Shorten(earlier.Text)}' at line {earlier.Line}, '{Shorten(value.Text)}' here)", source, value.Line);
        }
        if (_loopTags.TryGetValue(key, out var looped))
            throw new InputError($"tag {tag} is given both in the loop at line {looped.Loop.Line} and as a single item", source, value.Line);
        _items[key] = value;
    }

    /// <summary>Adds a loop; a tag that a loop or an item of the block already holds is refused (which one counts is unknowable).</summary>
    internal void AddLoop(CifLoop loop, string source)
    {
        for (int i = 0; i < loop.Tags.Count; i++)
        {
            string key = Key(loop.Tags[i]);
            if (_loopTags.TryGetValue(key, out var other))
                throw new InputError($"tag {loop.Tags[i]} is given in two loops (lines {other.Loop.Line} and {loop.Line})", source, loop.Line);
            if (_items.TryGetValue(key, out var item))
                throw new InputError($"tag {loop.Tags[i]} is given both as a single item (line {item.Line}) and in a loop", source, loop.Line);
            for (int j = 0; j < i; j++)
                if (Key(loop.Tags[j]).Equals(key, StringComparison.OrdinalIgnoreCase))
                    throw new InputError($"tag {loop.Tags[i]} is given twice in one loop", source, loop.Line);
        }
        _loops.Add(loop);
        for (int i = 0; i < loop.Tags.Count; i++) _loopTags[Key(loop.Tags[i])] = (loop, i);
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";

    /// <summary>
    /// Tags are compared case-insensitively and with DDLm's dotted names equal to the CIF 1.1 ones
    /// ("_cell.length_a" is "_cell_length_a", "_space_group_symop.operation_xyz" is "_space_group_symop_operation_xyz").
    /// </summary>
    private static string Key(string tag) => tag.Contains('.') ? tag.Replace('.', '_') : tag;

    public bool Contains(string tag) => _items.ContainsKey(Key(tag)) || _loopTags.ContainsKey(Key(tag));

    /// <summary>A single value: a plain item, or the first value of a looped tag.</summary>
    public bool TryGet(string tag, out CifValue value)
    {
        tag = Key(tag);
        if (_items.TryGetValue(tag, out value)) return true;
        if (_loopTags.TryGetValue(tag, out var lc) && lc.Loop.RowCount > 0)
        {
            value = lc.Loop[0, lc.Column];
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>The first of several tags that is present with a value other than ? or ".".</summary>
    public bool TryGetAny(out CifValue value, out string tag, params string[] tags)
    {
        foreach (var t in tags)
            if (TryGet(t, out value) && !value.IsMissing) { tag = t; return true; }
        value = default;
        tag = "";
        return false;
    }

    /// <summary>The loop holding a tag and the tag's column in it.</summary>
    public bool TryGetLoop(string tag, out CifLoop loop, out int column)
    {
        if (_loopTags.TryGetValue(Key(tag), out var lc)) { loop = lc.Loop; column = lc.Column; return true; }
        loop = null!;
        column = -1;
        return false;
    }

    /// <summary>All values of a tag: the loop column, or the single item as a one-element list; null when absent.</summary>
    public IReadOnlyList<CifValue>? Column(string tag)
    {
        tag = Key(tag);
        if (_loopTags.TryGetValue(tag, out var lc))
        {
            var loop = lc.Loop;
            var list = new CifValue[loop.RowCount];
            for (int r = 0; r < list.Length; r++) list[r] = loop[r, lc.Column];
            return list;
        }
        return _items.TryGetValue(tag, out var v) ? new[] { v } : null;
    }

    public override string ToString() => $"data_{Name}";
}
