using CrystalTransformer.Structures;
using ScottPlot;

namespace CrystalTransformer.Analysis.Plots;

/// <summary>The report's figures, built with ScottPlot (no violin or periodic-table plot exists there, so both are drawn from polygons and rectangles).</summary>
public static class Figures
{
    static Figures() => Fonts.Default = "DejaVu Sans";

    /// <summary>Sets the font once; call before building plots on several threads.</summary>
    public static void Initialize() => Fonts.Default = "DejaVu Sans";

    public static Color ClusterColor(int cluster) => new ScottPlot.Palettes.Category10().GetColor(cluster - 1);

    /// <summary>A 2-D map with one labelled marker per element, coloured by cluster (1..k) when given.</summary>
    public static Plot Map(string title, double[,] xy, IReadOnlyList<Element> elements, int[]? clusters, string xLabel, string yLabel)
    {
        var plot = new Plot();
        int n = elements.Count;
        var groups = clusters is null ? [0] : clusters.Distinct().Order().ToArray();
        foreach (int g in groups)
        {
            var idx = Enumerable.Range(0, n).Where(i => clusters is null || clusters[i] == g).ToArray();
            var markers = plot.Add.Markers(idx.Select(i => xy[i, 0]).ToArray(), idx.Select(i => xy[i, 1]).ToArray(),
                MarkerShape.FilledCircle, 8, clusters is null ? Colors.SteelBlue : ClusterColor(g));
            if (clusters is not null) markers.LegendText = $"cluster {g} ({idx.Length})";
        }
        for (int i = 0; i < n; i++)
        {
            var t = plot.Add.Text(elements[i].Symbol, xy[i, 0], xy[i, 1]);
            t.LabelFontSize = 9;
            t.LabelFontColor = Colors.Black.WithAlpha(0.8);
            t.OffsetX = 4;
            t.OffsetY = -4;
        }
        plot.Title(title, 13);
        plot.XLabel(xLabel, 12);
        plot.YLabel(yLabel, 12);
        if (clusters is not null) plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>Periodic-table layout (f-block rows below) with each covered element's cell coloured.</summary>
    public static Plot PeriodicTableView(string title, IReadOnlyDictionary<Element, Color> colors, IReadOnlyDictionary<Element, string>? captions,
        IReadOnlyList<(string Label, Color Color)>? legend = null, (double Min, double Max, IColormap Map, string Label)? scale = null)
    {
        var plot = new Plot();
        foreach (var e in PeriodicTable.Elements)
        {
            var (col, row) = Position(e);
            bool covered = colors.TryGetValue(e, out var fill);
            var rect = plot.Add.Rectangle(col - 0.46, col + 0.46, -row - 0.46, -row + 0.46);
            rect.FillColor = covered ? fill : Colors.White;
            rect.LineColor = covered ? Colors.DimGray : Colors.LightGray;
            rect.LineWidth = 0.8f;
            var t = plot.Add.Text(e.Symbol, col, -row + (captions is null ? 0 : 0.12));
            t.LabelFontSize = 11;
            t.LabelBold = covered;
            t.LabelFontColor = !covered ? Colors.LightGray : IsDark(fill) ? Colors.White : Colors.Black;
            t.LabelAlignment = Alignment.MiddleCenter;
            if (covered && captions is not null && captions.TryGetValue(e, out var cap))
            {
                var c = plot.Add.Text(cap, col, -row - 0.28);
                c.LabelFontSize = 7;
                c.LabelFontColor = IsDark(fill) ? Colors.White : Colors.Black;
                c.LabelAlignment = Alignment.MiddleCenter;
            }
        }
        if (legend is not null)
            for (int i = 0; i < legend.Count; i++)
            {
                double x = 3 + 3.2 * (i % 5), y = 1.2 + 0.7 * (i / 5);
                var r = plot.Add.Rectangle(x - 0.3, x + 0.3, y - 0.25, y + 0.25);
                r.FillColor = legend[i].Color;
                r.LineColor = Colors.DimGray;
                var t = plot.Add.Text(legend[i].Label, x + 0.45, y);
                t.LabelFontSize = 10;
                t.LabelAlignment = Alignment.MiddleLeft;
            }
        if (scale is { } s)
        {
            const int steps = 40;
            for (int i = 0; i < steps; i++)
            {
                double x = 3 + 9.0 * i / steps;
                var r = plot.Add.Rectangle(x, x + 9.0 / steps, 1.0, 1.5);
                r.FillColor = s.Map.GetColor((i + 0.5) / steps);
                r.LineWidth = 0;
            }
            var lo = plot.Add.Text(Format(s.Min), 3, 0.75); lo.LabelFontSize = 10; lo.LabelAlignment = Alignment.UpperCenter;
            var hi = plot.Add.Text(Format(s.Max), 12, 0.75); hi.LabelFontSize = 10; hi.LabelAlignment = Alignment.UpperCenter;
            var lab = plot.Add.Text(s.Label, 12.6, 1.25); lab.LabelFontSize = 10; lab.LabelAlignment = Alignment.MiddleLeft;
        }
        plot.HideAxesAndGrid();
        plot.Axes.SetLimits(0.3, 18.7, -10.2, 2.0);
        plot.Title(title, 13);
        return plot;
    }

    private static bool IsDark(Color c) => c.A > 100 && 0.299 * c.R + 0.587 * c.G + 0.114 * c.B < 110;

    /// <summary>Column (1–18) and row (1–7; 8.6 and 9.6 for the lanthanide and actinide rows) of an element.</summary>
    public static (double Col, double Row) Position(Element e)
    {
        if (e.Z is >= 57 and <= 71) return (3 + e.Z - 57, 8.6);
        if (e.Z is >= 89 and <= 103) return (3 + e.Z - 89, 9.6);
        return (e.Group ?? 3, e.Period);
    }

    public static Plot Heatmap(string title, double[,] values, IReadOnlyList<string> rowLabels, IReadOnlyList<string> colLabels,
        IColormap colormap, ScottPlot.Range? range = null, bool annotate = false)
    {
        var plot = new Plot();
        int rows = values.GetLength(0), cols = values.GetLength(1);
        var hm = plot.Add.Heatmap(values);
        hm.Colormap = colormap;
        hm.NaNCellColor = Colors.LightGray;
        if (range is { } r) hm.ManualRange = r;
        plot.Add.ColorBar(hm);
        var bottom = new ScottPlot.TickGenerators.NumericManual();
        for (int c = 0; c < cols; c++) bottom.AddMajor(c, colLabels[c]);
        var left = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < rows; i++) left.AddMajor(rows - 1 - i, rowLabels[i]);   // row 0 is drawn at the top
        plot.Axes.Bottom.TickGenerator = bottom;
        plot.Axes.Left.TickGenerator = left;
        RotateBottomLabels(plot, colLabels, cols > 6);
        plot.Axes.Bottom.TickLabelStyle.FontSize = cols > 60 ? 5 : cols > 30 ? 8 : 11;
        plot.Axes.Left.TickLabelStyle.FontSize = rows > 60 ? 5 : rows > 30 ? 8 : 11;
        if (annotate && rows * cols <= 400)
            for (int i = 0; i < rows; i++)
                for (int c = 0; c < cols; c++)
                {
                    if (double.IsNaN(values[i, c])) continue;
                    var t = plot.Add.Text(values[i, c].ToString("0.00"), c, rows - 1 - i);
                    t.LabelFontSize = 8;
                    var span = range ?? hm.GetRange();
                    double f = span.Max > span.Min ? Math.Clamp((values[i, c] - span.Min) / (span.Max - span.Min), 0, 1) : 0.5;
                    t.LabelFontColor = IsDark(colormap.GetColor(f)) ? Colors.White : Colors.Black;
                    t.LabelAlignment = Alignment.MiddleCenter;
                }
        plot.Grid.IsVisible = false;
        plot.Title(title, 13);
        return plot;
    }

    /// <summary>
    /// The k scan in one figure: mean SSE (left axis) and mean silhouette (right axis) over the seeds, ± one standard
    /// deviation, with the silhouette choice and the elbow marked.
    /// </summary>
    public static Plot ScanCurve(string title, IReadOnlyList<int> ks, IReadOnlyList<double> sse, IReadOnlyList<double> sseSd,
        IReadOnlyList<double> silhouette, IReadOnlyList<double> silhouetteSd, int chosenK, int elbowK)
    {
        var plot = new Plot();
        var xs = ks.Select(k => (double)k).ToArray();
        var sseLine = plot.Add.Scatter(xs, sse.ToArray(), ClusterColor(1));
        sseLine.LineWidth = 2;
        sseLine.MarkerSize = 7;
        sseLine.LegendText = "SSE (left)";
        var silLine = plot.Add.Scatter(xs, silhouette.ToArray(), ClusterColor(2));
        silLine.LineWidth = 2;
        silLine.MarkerSize = 7;
        silLine.LegendText = "silhouette (right)";
        silLine.Axes.YAxis = plot.Axes.Right;
        for (int i = 0; i < ks.Count; i++)
        {
            if (sseSd[i] > 0) { var l = plot.Add.Line(xs[i], sse[i] - sseSd[i], xs[i], sse[i] + sseSd[i]); l.LineWidth = 1.5f; l.Color = ClusterColor(1); }
            if (silhouetteSd[i] > 0)
            {
                var l = plot.Add.Line(xs[i], silhouette[i] - silhouetteSd[i], xs[i], silhouette[i] + silhouetteSd[i]);
                l.LineWidth = 1.5f; l.Color = ClusterColor(2); l.Axes.YAxis = plot.Axes.Right;
            }
        }
        var chosen = plot.Add.VerticalLine(chosenK);
        chosen.LinePattern = LinePattern.Dashed;
        chosen.Color = Colors.OrangeRed;
        chosen.Text = $"k = {chosenK}";
        if (elbowK != chosenK)
        {
            var elbow = plot.Add.VerticalLine(elbowK);
            elbow.LinePattern = LinePattern.Dotted;
            elbow.Color = Colors.Gray;
            elbow.Text = $"elbow {elbowK}";
        }
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (int kk in ks) ticks.AddMajor(kk, kk.ToString());
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Title(title, 13);
        plot.XLabel("k", 12);
        plot.YLabel("SSE (within-cluster sum of squares)", 12);
        plot.Axes.Right.Label.Text = "mean silhouette";
        plot.Axes.Right.Label.FontSize = 12;
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>
    /// A run's training curve: validation MAE per target (left axis, logarithmic) and the training loss (right axis,
    /// logarithmic) per epoch, with the best epoch marked.
    /// </summary>
    public static Plot TrainingCurve(string title, IReadOnlyList<int> epochs, IReadOnlyList<(string Target, IReadOnlyList<double> Mae)> validation,
        IReadOnlyList<double> trainLoss, int bestEpoch)
    {
        var plot = new Plot();
        var xs = epochs.Select(e => (double)e).ToArray();
        static double[] Log(IEnumerable<double> v) => v.Select(x => x > 0 ? Math.Log10(x) : double.NaN).ToArray();
        int k = 1;
        foreach (var (target, mae) in validation)
        {
            var line = plot.Add.ScatterLine(xs, Log(mae), ClusterColor(k++));
            line.LineWidth = 2;
            line.LegendText = $"validation MAE {target} (left)";
        }
        var loss = plot.Add.ScatterLine(xs, Log(trainLoss), Colors.Gray);
        loss.LineWidth = 1.5f;
        loss.LinePattern = LinePattern.Dashed;
        loss.LegendText = "training loss (right)";
        loss.Axes.YAxis = plot.Axes.Right;
        var best = plot.Add.VerticalLine(bestEpoch);
        best.LinePattern = LinePattern.Dotted;
        best.Color = Colors.OrangeRed;
        best.Text = $"best epoch {bestEpoch}";
        var logTicks = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => Math.Pow(10, v).ToString("G3", System.Globalization.CultureInfo.InvariantCulture) };
        plot.Axes.Left.TickGenerator = logTicks;
        plot.Axes.Right.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = logTicks.LabelFormatter };
        plot.Title(title, 13);
        plot.XLabel("epoch", 12);
        plot.YLabel("validation MAE (target units, log scale)", 12);
        plot.Axes.Right.Label.Text = "training loss (standardised, log scale)";
        plot.Axes.Right.Label.FontSize = 12;
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>Violin plots: a Gaussian KDE per group drawn as a symmetric polygon, with the median and quartiles.</summary>
    public static Plot Violins(string title, IReadOnlyList<(string Label, IReadOnlyList<double> Values)> groups, string yLabel)
    {
        var plot = new Plot();
        for (int g = 0; g < groups.Count; g++)
        {
            var values = groups[g].Values;
            if (values.Count == 0) continue;
            var (ys, density) = Kde.Evaluate(values);
            double maxD = density.Max();
            if (maxD <= 0) maxD = 1;
            var outline = new List<Coordinates>();
            for (int i = 0; i < ys.Length; i++) outline.Add(new Coordinates(g + 0.42 * density[i] / maxD, ys[i]));
            for (int i = ys.Length - 1; i >= 0; i--) outline.Add(new Coordinates(g - 0.42 * density[i] / maxD, ys[i]));
            // A group of one cluster takes that cluster's colour; mixed groups are grey.
            var color = int.TryParse(groups[g].Label, out int single) ? ClusterColor(single) : Colors.Gray;
            var poly = plot.Add.Polygon(outline.ToArray());
            poly.FillColor = color.WithAlpha(0.45);
            poly.LineColor = color;
            poly.LineWidth = 1;
            var sorted = values.Order().ToArray();
            double q1 = Quantile(sorted, 0.25), med = Quantile(sorted, 0.5), q3 = Quantile(sorted, 0.75);
            var iqr = plot.Add.Line(g, q1, g, q3);
            iqr.LineWidth = 4;
            iqr.Color = Colors.Black;
            plot.Add.Marker(g, med, MarkerShape.FilledCircle, 6, Colors.White);
        }
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int g = 0; g < groups.Count; g++) ticks.AddMajor(g, $"{groups[g].Label}\nn={groups[g].Values.Count}");
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.Bottom.TickLabelStyle.FontSize = groups.Count > 8 ? 8 : 10;
        plot.Axes.SetLimitsX(-0.6, groups.Count - 0.4);
        plot.Title(title, 13);
        plot.YLabel(yLabel, 12);
        plot.XLabel("clusters present in the compound", 12);
        return plot;
    }

    public static Plot Bars(string title, IReadOnlyList<string> labels, IReadOnlyList<double> values, string yLabel)
    {
        var plot = new Plot();
        var bars = plot.Add.Bars(values.ToArray());
        for (int i = 0; i < bars.Bars.Count; i++) bars.Bars[i].FillColor = ClusterColor(1);
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < labels.Count; i++) ticks.AddMajor(i, labels[i]);
        plot.Axes.Bottom.TickGenerator = ticks;
        RotateBottomLabels(plot, labels, labels.Count > 5);
        plot.Axes.Margins(bottom: 0);
        plot.Title(title, 13);
        plot.YLabel(yLabel, 12);
        return plot;
    }

    /// <summary>Grouped bars: one group per label, one bar per series.</summary>
    public static Plot GroupedBars(string title, IReadOnlyList<string> labels, IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series, string yLabel)
    {
        var plot = new Plot();
        double width = 0.8 / series.Count;
        for (int s = 0; s < series.Count; s++)
        {
            var list = new List<Bar>();
            for (int i = 0; i < labels.Count; i++)
                list.Add(new Bar { Position = i - 0.4 + width * (s + 0.5), Value = series[s].Values[i], Size = width * 0.95, FillColor = ClusterColor(s + 1) });
            var bp = plot.Add.Bars(list);
            bp.LegendText = series[s].Name;
        }
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < labels.Count; i++) ticks.AddMajor(i, labels[i]);
        plot.Axes.Bottom.TickGenerator = ticks;
        RotateBottomLabels(plot, labels, labels.Count > 5);
        // Room above the bars for the legend.
        double top = series.SelectMany(t => t.Values).Where(v => !double.IsNaN(v)).DefaultIfEmpty(1).Max();
        plot.Axes.SetLimitsY(0, top * 1.25);
        plot.ShowLegend(Alignment.UpperRight, Orientation.Horizontal);
        plot.Title(title, 13);
        plot.YLabel(yLabel, 12);
        return plot;
    }

    /// <summary>Vertical labels (reading downwards from the tick) with a bottom panel tall enough for the longest one.</summary>
    private static void RotateBottomLabels(Plot plot, IReadOnlyList<string> labels, bool rotate)
    {
        if (!rotate) return;
        plot.Axes.Bottom.TickLabelStyle.Rotation = 90;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        int longest = labels.Select(l => l.Length).DefaultIfEmpty(1).Max();
        plot.Axes.Bottom.MinimumSize = Math.Min(220, 24 + 0.62f * plot.Axes.Bottom.TickLabelStyle.FontSize * longest);
    }

    internal static double Quantile(double[] sorted, double q)
    {
        if (sorted.Length == 0) return double.NaN;
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    internal static string Format(double v) => Math.Abs(v) >= 1000 || (Math.Abs(v) < 0.01 && v != 0) ? v.ToString("0.##E+0") : v.ToString("0.###");
}

/// <summary>A figure written as PNG and SVG; the PNG bytes are kept for embedding in the HTML report.</summary>
public sealed record Figure(string Name, string Title, string PngFile, string SvgFile, byte[] Png, int Width, int Height);

public static class FigureWriter
{
    /// <summary>Writes <paramref name="name"/>.png and .svg into <paramref name="directory"/> and disposes the plot.</summary>
    public static Figure Save(Plot plot, string directory, string name, string title, int width = 800, int height = 600)
    {
        Directory.CreateDirectory(directory);
        string png = Path.Combine(directory, name + ".png"), svg = Path.Combine(directory, name + ".svg");
        byte[] bytes = plot.GetImageBytes(width, height, ImageFormat.Png);
        string svgText = plot.GetSvgXml(width, height);
        plot.Dispose();
        IO.TextFiles.WriteAllTextAtomic(svg, svgText);
        IO.TextFiles.WriteAtomicBytes(png, f => f.Write(bytes));
        return new Figure(name, title, png, svg, bytes, width, height);
    }
}
