using CrystalTransformer.IO.Csv;
using CrystalTransformer.Structures;
using FsCheck.Xunit;

namespace CrystalTransformer.Tests.IO;

public class CsvRowReaderTests
{
    private static List<CsvRecord> Parse(string text) => CsvRowReader.Read(new StringReader(text), "t.csv").ToList();

    [Fact]
    public void ReadsQuotedMultiLineFieldsAndKeepsStartLines()
    {
        var rows = Parse("id,cif,x\r\n1,\"data_a\nloop_\n \"\"q\"\"\",2.5\n\n2,plain,3\n");
        Assert.Equal(3, rows.Count);
        Assert.Equal(["id", "cif", "x"], rows[0].Fields);
        Assert.Equal("data_a\nloop_\n \"q\"", rows[1].Fields[1]);
        Assert.Equal(2, rows[1].Line);
        Assert.Equal(["2", "plain", "3"], rows[2].Fields);
        Assert.Equal(6, rows[2].Line);
    }

    [Fact]
    public void LastRecordWithoutLineEndAndEmptyTrailingField()
    {
        var rows = Parse("a,b\n1,");
        Assert.Equal(["1", ""], rows[1].Fields);
    }

    [Fact]
    public void UnclosedQuoteIsAnErrorNamingTheRecordLine()
    {
        var ex = Assert.Throws<InputError>(() => Parse("a,b\n1,\"open\nmore\n"));
        Assert.Equal("t.csv:2: quoted field opened at line 2 is never closed", ex.Message);
    }

    [Fact]
    public void TextAfterClosingQuoteIsKeptAsMostReadersDo()
    {
        Assert.Equal(["1", "xy"], Parse("a,b\n1,\"x\"y\n")[1].Fields);
    }

    [Fact]
    public void TableRejectsRaggedRowsAndUnknownColumns()
    {
        var ex = Assert.Throws<InputError>(() => CsvTable.Read(new StringReader("a,b\n1,2\n3\n"), "t.csv"));
        Assert.Equal("t.csv:3: row has 1 fields, the header has 2", ex.Message);
        var table = CsvTable.Read(new StringReader("a,b\n1,2\n"), "t.csv");
        Assert.Equal(1, table.Column("b"));
        Assert.Throws<InputError>(() => table.Column("c"));
    }

    [Property(MaxTest = 200)]
    public bool EscapedFieldsReadBackUnchanged(string[][] rows)
    {
        var clean = (rows ?? []).Where(r => r is not null)
            .Select(r => new[] { "k" }.Concat(r.Select(f => (f ?? "").Replace("\r", ""))).ToArray()).ToList();
        string text = string.Concat(clean.Select(r => string.Join(",", r.Select(CsvRowReader.Escape)) + "\n"));
        var back = Parse(text);
        return back.Count == clean.Count && back.Zip(clean).All(t => t.First.Fields.SequenceEqual(t.Second));
    }
}
