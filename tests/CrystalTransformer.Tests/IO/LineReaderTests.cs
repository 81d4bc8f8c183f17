using System.Text.RegularExpressions;
using CrystalTransformer.IO.Text;
using CrystalTransformer.Structures;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CrystalTransformer.Tests.IO;

public class LineReaderTests
{
    /// <summary>Hands out the text in chunks of the given sizes, so line endings fall on every kind of boundary.</summary>
    private sealed class ChunkedReader(string text, int[] chunks) : TextReader
    {
        private int _pos, _chunk;

        public override int Read(char[] buffer, int index, int count)
        {
            if (_pos >= text.Length) return 0;
            int n = Math.Min(Math.Min(count, Math.Max(1, chunks[_chunk++ % chunks.Length])), text.Length - _pos);
            text.CopyTo(_pos, buffer, index, n);
            _pos += n;
            return n;
        }
    }

    private static List<string> ReadAll(LineReader reader)
    {
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(line);
        return lines;
    }

    [Property(MaxTest = 300)]
    public Property SplitsLikeTheLineEndingRulesWhateverTheChunks() =>
        Prop.ForAll(
            Gen.Elements("a", "bb", "x y", "", "\n", "\r", "\r\n", "\n\r", new string('z', 5000)).ListOf()
                .SelectMany(parts => Gen.Choose(1, 9000).ArrayOf(4), (parts, chunks) => (Text: string.Concat(parts), Chunks: chunks))
                .ToArbitrary(),
            t =>
            {
                var expected = Regex.Split(t.Text, "\r\n|\r|\n").ToList();
                if (expected[^1].Length == 0) expected.RemoveAt(expected.Count - 1); // a final line ending ends the last line
                var reader = new LineReader(new ChunkedReader(t.Text, t.Chunks), "chunks");
                var lines = ReadAll(reader);
                return lines.SequenceEqual(expected) && reader.LineNumber == expected.Count;
            });

    [Fact]
    public void OverlongLineIsAnInputErrorNamingItsLine()
    {
        var text = "first\n" + new string('x', LineReader.MaxLineLength + 10);
        var reader = new LineReader(new StringReader(text), "big.txt");
        Assert.Equal("first", reader.ReadLine());
        var e = Assert.Throws<InputError>(() => reader.ReadLine());
        Assert.Equal(2, e.Line);
        Assert.StartsWith("big.txt:2: line is longer than", e.Message);
    }
}
