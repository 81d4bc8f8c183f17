using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.Cif;

/// <summary>
/// CIF 1.1 syntax: data blocks, items, loops, quoted strings, semicolon text fields and comments.
/// One pass over the text, linear in its length; blocks are produced lazily so a reader that needs only the
/// first structure stops early. Out-of-spec files are read leniently with warnings where the meaning is clear.
/// </summary>
public static class CifParser
{
    private enum Kind { Value, Tag, Loop, Data, Save, Global, Stop, End }

    private readonly record struct Token(Kind Kind, string Text, bool Quoted, int Line)
    {
        public CifValue AsValue => new(Text, Quoted, Line);
    }

    /// <summary>Parses the data blocks of a CIF text. <paramref name="source"/> names the file in errors and warnings.</summary>
    public static IEnumerable<CifBlock> Parse(string text, string source, Action<string>? warning = null)
    {
        var lexer = new Lexer(text, source);
        CifBlock? block = null;
        bool warnedOutside = false;
        var token = lexer.Next();
        while (token.Kind != Kind.End)
        {
            switch (token.Kind)
            {
                case Kind.Data:
                    if (block is not null) yield return block;
                    block = new CifBlock(token.Text, token.Line);
                    token = lexer.Next();
                    break;
                case Kind.Tag:
                {
                    var tagToken = token;
                    token = lexer.Next();
                    if (block is null)
                    {
                        if (token.Kind == Kind.Value) token = lexer.Next();
                        WarnOutside(ref warnedOutside, tagToken.Line);
                        break;
                    }
                    if (token.Kind == Kind.Value)
                    {
                        block.AddItem(tagToken.Text, token.AsValue, source);
                        token = lexer.Next();
                    }
                    else
                    {
                        warning?.Invoke(InputError.Format($"tag {tagToken.Text} has no value", source, tagToken.Line));
                        block.AddItem(tagToken.Text, new CifValue("?", false, tagToken.Line), source);
                    }
                    break;
                }
                case Kind.Loop:
                {
                    int loopLine = token.Line;
                    var tags = new List<string>();
                    token = lexer.Next();
                    while (token.Kind == Kind.Tag) { tags.Add(token.Text); token = lexer.Next(); }
                    var values = new List<CifValue>();
                    while (token.Kind == Kind.Value) { values.Add(token.AsValue); token = lexer.Next(); }
                    if (block is null) { WarnOutside(ref warnedOutside, loopLine); break; }
                    // A loop without tags, without values or with a partial last row is a truncated or misaligned
                    // file; pymatgen (the reference) refuses the whole file then, and so do we: the row split is unknowable.
                    if (tags.Count == 0)
                        throw new InputError("loop_ has no tags", source, loopLine);
                    var loop = new CifLoop(tags, values, loopLine);
                    if (values.Count == 0)
                        throw new InputError($"loop of {tags[0]} has no values (truncated file?)", source, loopLine);
                    if (!loop.IsComplete)
                        throw new InputError(
                            $"loop of {tags[0]} has {values.Count} values, not a multiple of its {tags.Count} tags (truncated or misaligned)", source, loopLine);
                    block.AddLoop(loop, source);
                    break;
                }
                case Kind.Value:
                    // A value with no tag: out of spec; skipped (pymatgen does the same).
                    if (block is not null)
                        warning?.Invoke(InputError.Format($"value '{Shorten(token.Text)}' without a tag is ignored", source, token.Line));
                    else WarnOutside(ref warnedOutside, token.Line);
                    token = lexer.Next();
                    break;
                default: // save_, global_, stop_: frames are read as part of the enclosing block
                    token = lexer.Next();
                    break;
            }
        }
        if (block is not null) yield return block;

        void WarnOutside(ref bool warned, int line)
        {
            if (warned) return;
            warned = true;
            warning?.Invoke(InputError.Format("text before the first data_ block is ignored", source, line));
        }
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";

    /// <summary>Splits CIF text into tokens. Newlines are counted as they are passed, so every token knows its line.</summary>
    private sealed class Lexer
    {
        private readonly string _text;
        private readonly string _source;
        private int _pos;
        private int _line = 1;

        public Lexer(string text, string source)
        {
            _text = text;
            _source = source;
        }

        private bool AtLineStart => _pos == 0 || _text[_pos - 1] is '\n' or '\r';

        public Token Next()
        {
            string t = _text;
            while (_pos < t.Length)
            {
                char c = t[_pos];
                if (c == '\n') { _line++; _pos++; continue; }
                if (c == '\r')
                {
                    _pos++;
                    if (_pos < t.Length && t[_pos] == '\n') _pos++;
                    _line++;
                    continue;
                }
                if (c is ' ' or '\t' or '\f' or '\v' or '\0' || char.IsWhiteSpace(c)) { _pos++; continue; }
                if (c == '#') { SkipToLineEnd(); continue; }
                if (c == ';' && AtLineStart) return TextField();
                if (c is '\'' or '"') return Quoted(c);
                return Bare();
            }
            return new Token(Kind.End, "", false, _line);
        }

        private void SkipToLineEnd()
        {
            int nl = _text.AsSpan(_pos).IndexOfAny('\n', '\r');
            _pos = nl < 0 ? _text.Length : _pos + nl;
        }

        private Token Bare()
        {
            int start = _pos;
            string t = _text;
            while (_pos < t.Length && !IsSpace(t[_pos])) _pos++;
            string word = t.Substring(start, _pos - start);
            if (word[0] == '_') return new Token(Kind.Tag, word, false, _line);
            if (word.Length >= 5 && (word[4] == '_'))
            {
                if (word.StartsWith("data_", StringComparison.OrdinalIgnoreCase)) return new Token(Kind.Data, word[5..], false, _line);
                if (word.Equals("loop_", StringComparison.OrdinalIgnoreCase)) return new Token(Kind.Loop, word, false, _line);
                if (word.StartsWith("save_", StringComparison.OrdinalIgnoreCase)) return new Token(Kind.Save, word, false, _line);
                if (word.Equals("stop_", StringComparison.OrdinalIgnoreCase)) return new Token(Kind.Stop, word, false, _line);
            }
            if (word.Equals("global_", StringComparison.OrdinalIgnoreCase)) return new Token(Kind.Global, word, false, _line);
            return new Token(Kind.Value, word, false, _line);
        }

        private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\f' or '\v' or '\0' || (c > 127 && char.IsWhiteSpace(c));

        /// <summary>'...' or "...": ends at the same quote followed by white space or the line end (CIF 1.1 rule).</summary>
        private Token Quoted(char quote)
        {
            int line = _line;
            string t = _text;
            int start = ++_pos;
            while (_pos < t.Length)
            {
                char c = t[_pos];
                if (c is '\n' or '\r') break;
                if (c == quote && (_pos + 1 >= t.Length || IsSpace(t[_pos + 1])))
                {
                    string value = t.Substring(start, _pos - start);
                    _pos++;
                    return new Token(Kind.Value, value, true, line);
                }
                _pos++;
            }
            // Unterminated on this line: take the rest of the line (what the writer most likely meant).
            return new Token(Kind.Value, t.Substring(start, _pos - start).TrimEnd(), true, line);
        }

        /// <summary>A text field: from a ';' in column 1 to the next line that starts with ';'.</summary>
        private Token TextField()
        {
            int line = _line;
            string t = _text;
            int start = ++_pos;
            while (true)
            {
                int nl = t.AsSpan(_pos).IndexOfAny('\n', '\r');
                if (nl < 0)
                    throw new InputError($"text field opened with ';' at line {line} is never closed", _source, line);
                _pos += nl;
                int contentEnd = _pos;
                if (t[_pos] == '\r' && _pos + 1 < t.Length && t[_pos + 1] == '\n') _pos++;
                _pos++;
                _line++;
                if (_pos < t.Length && t[_pos] == ';')
                {
                    string value = t.Substring(start, contentEnd - start);
                    _pos++;
                    return new Token(Kind.Value, value, true, line);
                }
            }
        }
    }
}
