using System.Buffers;
using System.Text;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO;

/// <summary>Guards shared by text readers: a size limit (no unbounded reads) and a check for binary data.</summary>
public static class TextInput
{
    /// <summary>Reads the whole text, failing with a clear error once it exceeds <paramref name="maxLength"/> characters.</summary>
    public static string ReadAll(TextReader reader, string source, long maxLength)
    {
        // A file far beyond the limit is refused before anything is read (UTF-8 needs at most 4 bytes per character).
        if (reader is StreamReader { BaseStream: FileStream file } && file.Length > 4 * maxLength)
            throw new InputError($"file is {FormatSize(file.Length)}B, larger than the limit of {FormatSize(maxLength)} characters (ReadOptions.MaxTextLength)", source);
        var sb = new StringBuilder();
        // A pooled buffer: a fresh 128 kB array per file lands on the large-object heap and, zeroed and collected for
        // every small CIF, used to cost more than parsing it.
        var buffer = ArrayPool<char>.Shared.Rent(1 << 16);
        try
        {
            int n;
            while ((n = reader.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (sb.Length + (long)n > maxLength)
                    throw new InputError($"file is larger than the limit of {FormatSize(maxLength)} characters (ReadOptions.MaxTextLength)", source);
                sb.Append(buffer, 0, n);
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
        return sb.ToString();
    }

    /// <summary>Fails on NUL bytes or mostly-control-character text: binary data is not a crystal file.</summary>
    public static void RejectBinary(string text, string source)
    {
        int nul = text.IndexOf('\0');
        if (nul >= 0) throw new InputError("binary data (NUL byte), not a text file", source, LineOf(text, nul));
        int probe = Math.Min(text.Length, 8192), control = 0;
        for (int i = 0; i < probe; i++)
        {
            char c = text[i];
            if ((c < ' ' && c is not ('\t' or '\n' or '\r' or '\f' or '\v')) || c == '\uFFFD') control++;
        }
        if (probe > 64 && control > probe / 10) throw new InputError("binary data (control characters), not a text file", source, 1);
    }

    public static int LineOf(string text, int index)
    {
        int line = 1;
        var span = text.AsSpan(0, Math.Min(index, text.Length));
        foreach (char c in span) if (c == '\n') line++;
        return line;
    }

    public static string FormatSize(long n) =>
        n >= 1 << 30 ? $"{n / (double)(1 << 30):0.#} G" : n >= 1 << 20 ? $"{n / (double)(1 << 20):0.#} M" : n >= 1 << 10 ? $"{n / 1024.0:0.#} k" : n.ToString();
}
