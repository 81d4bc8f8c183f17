using System.Globalization;
using System.Net;
using System.Text;

// The report pages of ct analyze and ct reproduce are built here because IO is the lowest project both depend on.
namespace CrystalTransformer.IO.Reports;

/// <summary>
/// A self-contained HTML report page under construction: headings, paragraphs, lists, tables, collapsible sections and
/// figures inlined as base64 PNG, so that the written file opens offline on its own. Text arguments are escaped here;
/// arguments named <c>html</c> are markup that the caller has escaped (with <see cref="Encode"/>).
/// </summary>
public sealed class HtmlPage
{
    private const string Style =
        "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2em auto;max-width:1300px;color:#222;line-height:1.45;padding:0 1em}" +
        "table{border-collapse:collapse;margin:0.6em 0;font-size:0.86em}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right;vertical-align:top}" +
        "th{background:#f1f1f1}td.l,th.l{text-align:left}table.quote{background:#fbf8ef}img{max-width:100%;border:1px solid #eee;margin:4px 0}" +
        "figure{display:inline-block;margin:6px;vertical-align:top;max-width:48%}figure.wide{max-width:98%}figcaption{font-size:0.85em;color:#555}" +
        "code{background:#f4f4f4;padding:1px 4px;font-size:0.9em}details{margin:0.5em 0}summary{cursor:pointer;font-weight:bold}" +
        "details.section{margin:0.8em 0;border-top:1px solid #ddd;padding-top:0.4em}details.section>summary{font-size:1.25em}" +
        ".note{color:#666;font-size:0.88em}.good{color:#1a7f37;font-weight:bold}.bad{color:#b42318;font-weight:bold}" +
        ".side{display:flex;gap:2em;flex-wrap:wrap}.side>div{flex:1 1 480px}";

    private readonly StringBuilder _html = new();

    public HtmlPage(string title) =>
        _html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(Encode(title))
             .Append("</title>\n<style>").Append(Style).Append("</style></head><body>\n");

    public HtmlPage Heading(int level, string text)
    {
        _html.Append(CultureInfo.InvariantCulture, $"<h{level}>{Encode(text)}</h{level}>\n");
        return this;
    }

    public HtmlPage Paragraph(string html, string? cssClass = null)
    {
        _html.Append(cssClass is null ? "<p>" : $"<p class=\"{cssClass}\">").Append(html).Append("</p>\n");
        return this;
    }

    /// <summary>A bulleted list of items given as markup.</summary>
    public HtmlPage List(IEnumerable<string> itemsHtml, string? cssClass = null)
    {
        _html.Append(cssClass is null ? "<ul>" : $"<ul class=\"{cssClass}\">");
        foreach (var item in itemsHtml) _html.Append("<li>").Append(item).Append("</li>");
        _html.Append("</ul>\n");
        return this;
    }

    public HtmlPage BeginTable(string? cssClass = null)
    {
        _html.Append(cssClass is null ? "<table>" : $"<table class=\"{cssClass}\">");
        return this;
    }

    public HtmlPage Row(params IEnumerable<HtmlCell> cells)
    {
        _html.Append("<tr>");
        foreach (var cell in cells) _html.Append(cell.ToString());
        _html.Append("</tr>\n");
        return this;
    }

    public HtmlPage EndTable()
    {
        _html.Append("</table>\n");
        return this;
    }

    /// <summary>A major part of the page that starts open and can be folded; <paramref name="id"/> is its anchor.</summary>
    public HtmlPage BeginSection(string title, string id)
    {
        _html.Append($"<details class=\"section\" open id=\"{Encode(id)}\"><summary>{Encode(title)}</summary>");
        return this;
    }

    /// <summary>A block shown folded (long listings), opened by clicking its summary.</summary>
    public HtmlPage BeginFolded(string summary)
    {
        _html.Append($"<details><summary>{Encode(summary)}</summary>");
        return this;
    }

    public HtmlPage EndSection()
    {
        _html.Append("</details>\n");
        return this;
    }

    /// <summary>A PNG inlined as base64 (the page needs no other file); wide figures take the page's width instead of half.</summary>
    public HtmlPage Figure(byte[] png, string title, string captionHtml, bool wide)
    {
        _html.Append($"<figure{(wide ? " class=\"wide\"" : "")}><img alt=\"{Encode(title)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">")
             .Append($"<figcaption>{captionHtml}</figcaption></figure>\n");
        return this;
    }

    /// <summary>Columns side by side (wrapping on narrow screens): the first opens here, <see cref="NextColumn"/> starts another.</summary>
    public HtmlPage BeginColumns()
    {
        _html.Append("<div class=\"side\"><div>");
        return this;
    }

    public HtmlPage NextColumn()
    {
        _html.Append("</div>\n<div>");
        return this;
    }

    public HtmlPage EndColumns()
    {
        _html.Append("</div></div>\n");
        return this;
    }

    /// <summary>Closes the document and replaces <paramref name="path"/> atomically.</summary>
    public void Write(string path) => TextFiles.WriteAllTextAtomic(path, _html + "</body></html>\n");

    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string Code(string? text) => $"<code>{Encode(text)}</code>";

    /// <summary>A number in invariant culture; a missing one (NaN) as a dash.</summary>
    public static string Number(double value, string format) => double.IsNaN(value) ? "–" : value.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>One cell of an <see cref="HtmlPage"/> table: header or data, right-aligned (numbers) or left-aligned (text).</summary>
public readonly record struct HtmlCell(string Html, bool IsHeader, bool AlignLeft)
{
    public static HtmlCell Th(string html) => new(html, true, false);
    public static HtmlCell ThLeft(string html) => new(html, true, true);
    public static HtmlCell Td(string html) => new(html, false, false);
    public static HtmlCell TdLeft(string html) => new(html, false, true);

    public override string ToString()
    {
        string tag = IsHeader ? "th" : "td";
        return $"<{tag}{(AlignLeft ? " class=\"l\"" : "")}>{Html}</{tag}>";
    }
}
