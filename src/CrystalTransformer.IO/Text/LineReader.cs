using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.Text;

/// <summary>
/// Reads a text line by line without allocating a string per line, counting lines so that errors can name them.
/// Accepts "\n", "\r\n" and "\r" endings. A line longer than <see cref="MaxLineLength"/> is an error, so binary
/// garbage or a file without line breaks cannot make a reader hold gigabytes.
/// </summary>
internal sealed class LineReader
{
    public const int MaxLineLength = 1 << 20;

    private readonly TextReader _reader;
    private char[] _buffer = new char[4096]; // grows for longer lines; small, as most inputs are small files
    private int _start, _end;
    private bool _eof;
    private bool _skipLineFeed;

    public LineReader(TextReader reader, string source)
    {
        _reader = reader;
        Source = source;
    }

    /// <summary>The file name used in error messages.</summary>
    public string Source { get; }

    /// <summary>1-based number of the line last returned (0 before the first).</summary>
    public int LineNumber { get; private set; }

    /// <summary>
    /// The next line without its ending; false at the end of the text. The span is valid until the next call.
    /// </summary>
    public bool TryReadLine(out ReadOnlySpan<char> line)
    {
        int scanned = 0; // characters after _start already known to hold no line break
        while (true)
        {
            if (_skipLineFeed)
            {
                // The previous line ended with '\r'; a '\n' right after it belongs to the same ending.
                if (_start < _end)
                {
                    if (_buffer[_start] == '\n') _start++;
                    _skipLineFeed = false;
                }
                else if (!_eof) { Fill(); continue; }
                else _skipLineFeed = false;
            }
            int from = _start + scanned;
            int i = _buffer.AsSpan(from, _end - from).IndexOfAny('\n', '\r');
            if (i >= 0)
            {
                int stop = from + i;
                line = _buffer.AsSpan(_start, stop - _start);
                _skipLineFeed = _buffer[stop] == '\r';
                _start = stop + 1;
                LineNumber++;
                return true;
            }
            scanned = _end - _start;
            if (scanned > MaxLineLength)
                throw new InputError($"line is longer than {MaxLineLength} characters (binary or corrupt file?)", Source, LineNumber + 1);
            if (_eof)
            {
                if (scanned == 0) { line = default; return false; }
                line = _buffer.AsSpan(_start, scanned);
                _start = _end;
                LineNumber++;
                return true;
            }
            Fill();
        }
    }

    /// <summary>The next line as a string, or null at the end.</summary>
    public string? ReadLine() => TryReadLine(out var line) ? line.ToString() : null;

    private void Fill()
    {
        int pending = _end - _start;
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, pending);
            _start = 0;
            _end = pending;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        int n = _reader.Read(_buffer, _end, _buffer.Length - _end);
        if (n <= 0) _eof = true;
        else _end += n;
    }

    public InputError Error(string reason, int? line = null) => new(reason, Source, line ?? LineNumber);
}
