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

    internal void AddItem(string tag, CifValue value) => _items[Key(tag)] = value;

    internal void AddLoop(CifLoop loop)
    {
        _loops.Add(loop);
        for (int i = 0; i < loop.Tags.Count; i++) _loopTags[Key(loop.Tags[i])] = (loop, i);
    }

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
