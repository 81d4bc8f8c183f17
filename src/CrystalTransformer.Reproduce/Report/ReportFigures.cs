using System.Globalization;
using ScottPlot;

namespace CrystalTransformer.Reproduce.Report;

/// <summary>A figure written as PNG and SVG; the PNG bytes are inlined into index.html, with the caption computed from its data.</summary>
public sealed record FigureFile(string Name, string Title, byte[] Png, string PngPath, string SvgPath, string? Caption = null)
{
    /// <summary>Shown across the page rather than two side by side.</summary>
    public bool Wide { get; init; }
}

/// <summary>The report's plots (ScottPlot 5): learning curves on log–log axes, errors per held-out element, parity plots.</summary>
public static class ReportFigures
{
    public const int Width = 720, Height = 500;
    /// <summary>Size of figures with many series: the legend sits to the right of the axes.</summary>
    public const int WideWidth = 1080, WideHeight = 560;

    static ReportFigures() => Analysis.Plots.Figures.Initialize();

    /// <summary>Writes NAME.png and NAME.svg into <paramref name="folder"/> (as <c>ct analyze</c> writes its figures) and disposes the plot.</summary>
    public static FigureFile Save(Plot plot, string folder, string name, string title, string? caption = null, int width = Width, int height = Height)
    {
        Analysis.Plots.Figures.Initialize();
        var saved = Analysis.Plots.FigureWriter.Save(plot, folder, name, title, width, height);
        return new FigureFile(name, title, saved.Png, saved.PngFile, saved.SvgFile, caption) { Wide = width > Width };
    }

    /// <summary>One line per series: x = training size, y = mean MAE with ±1 std error bars, both axes log10.</summary>
    public static Plot LearningCurves(string title, string yLabel, IReadOnlyList<(string Label, double[] Sizes, Stat[] Mae)> series)
    {
        var plot = new Plot();
        int colour = 0;
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (var (label, sizes, mae) in series)
        {
            var idx = Enumerable.Range(0, sizes.Length).Where(i => mae[i].Mean > 0 && sizes[i] > 0).ToArray();
            if (idx.Length == 0) continue;
            double[] lx = idx.Select(i => Math.Log10(sizes[i])).ToArray(), ly = idx.Select(i => Math.Log10(mae[i].Mean)).ToArray();
            var (color, marker, pattern) = Style(colour++);
            var line = plot.Add.Scatter(lx, ly, color);
            line.LegendText = label;
            line.MarkerSize = 7;
            line.MarkerShape = marker;
            line.LinePattern = pattern;
            // Error bars of ±1 std drawn in log space (asymmetric there).
            double[] up = idx.Select(i => double.IsNaN(mae[i].Std) ? 0 : Math.Log10(mae[i].Mean + mae[i].Std) - Math.Log10(mae[i].Mean)).ToArray();
            double[] down = idx.Select(i => double.IsNaN(mae[i].Std) ? 0
                : Math.Log10(mae[i].Mean) - Math.Log10(Math.Max(mae[i].Mean - mae[i].Std, mae[i].Mean * 0.05))).ToArray();
            double[] none = new double[lx.Length];
            var bars = new ScottPlot.Plottables.ErrorBar(lx, ly, none, none, up, down) { Color = color };
            plot.Add.Plottable(bars);
            xs.AddRange(lx);
            ys.AddRange(ly.Zip(up, (a, b) => a + b));
            ys.AddRange(ly.Zip(down, (a, b) => a - b));
        }
        if (xs.Count > 0)
        {
            plot.Axes.Bottom.TickGenerator = LogTicks(xs.Min(), xs.Max());
            plot.Axes.Left.TickGenerator = LogTicks(ys.Min(), ys.Max());
        }
        plot.Title(title, 13);
        plot.XLabel("training crystals (log scale)", 12);
        plot.YLabel(yLabel + " (log scale)", 12);
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static readonly MarkerShape[] Markers =
        [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.OpenCircle, MarkerShape.OpenSquare, MarkerShape.OpenTriangleUp];

    /// <summary>Colour, marker and line pattern of the k-th series: many series stay distinguishable beyond the palette's colours.</summary>
    private static (Color Color, MarkerShape Marker, LinePattern Pattern) Style(int k) =>
        (new ScottPlot.Palettes.Category10().GetColor(k), Markers[k % Markers.Length], (k / 10) switch { 0 => LinePattern.Solid, 1 => LinePattern.Dashed, _ => LinePattern.Dotted });

    /// <summary>
    /// Mean MAE with ±1 std error bars per category (the held-out elements) for each series, the series side by side
    /// within a category.
    /// </summary>
    public static Plot PerElement(string title, string yLabel, IReadOnlyList<string> categories, IReadOnlyList<(string Label, Stat[] Mae)> series)
    {
        var plot = new Plot();
        double width = 0.8, step = series.Count > 1 ? width / (series.Count - 1) : 0;
        for (int k = 0; k < series.Count; k++)
        {
            var (label, mae) = series[k];
            var idx = Enumerable.Range(0, categories.Count).Where(i => !double.IsNaN(mae[i].Mean)).ToArray();
            if (idx.Length == 0) continue;
            double[] x = idx.Select(i => i + (series.Count > 1 ? -width / 2 + k * step : 0)).ToArray();
            double[] y = idx.Select(i => mae[i].Mean).ToArray();
            double[] err = idx.Select(i => double.IsNaN(mae[i].Std) ? 0 : mae[i].Std).ToArray();
            var (color, marker, _) = Style(k);
            var points = plot.Add.ScatterPoints(x, y, color);
            points.MarkerSize = 8;
            points.MarkerShape = marker;
            points.LegendText = label;
            double[] none = new double[x.Length];
            plot.Add.Plottable(new ScottPlot.Plottables.ErrorBar(x, y, none, none, err, err) { Color = color });
        }
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < categories.Count; i++) ticks.AddMajor(i, categories[i]);
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.SetLimitsX(-0.7, categories.Count - 0.3);
        plot.Title(title, 13);
        plot.XLabel("held-out element (test crystals)", 12);
        plot.YLabel(yLabel, 12);
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    /// <summary>Ticks at 1, 2, 5 × 10^k between two log10 values (every integer mantissa on a narrow range; on a very
    /// narrow range, evenly spaced ticks labelled with their values).</summary>
    private static ITickGenerator LogTicks(double minLog, double maxLog)
    {
        double lo = minLog - 0.1 * (maxLog - minLog) - 0.02, hi = maxLog + 0.1 * (maxLog - minLog) + 0.02;
        var values = Mantissas([1.0, 2.0, 5.0], lo, hi);
        if (values.Count < 3) values = Mantissas([1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], lo, hi);
        if (values.Count < 3)
            return new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => Math.Pow(10, v).ToString("G3", CultureInfo.InvariantCulture) };
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (double v in values) ticks.AddMajor(Math.Log10(v), v.ToString(v >= 1000 ? "N0" : "G3", CultureInfo.InvariantCulture));
        return ticks;
    }

    private static List<double> Mantissas(double[] mantissas, double lo, double hi)
    {
        var values = new List<double>();
        for (int k = (int)Math.Floor(lo) - 1; k <= (int)Math.Ceiling(hi) + 1; k++)
            foreach (double m in mantissas)
            {
                double v = m * Math.Pow(10, k);
                if (Math.Log10(v) >= lo && Math.Log10(v) <= hi) values.Add(v);
            }
        return values;
    }

    /// <summary>What a bar stands for, which decides its colour.</summary>
    public enum BarKind { Reference, Baseline, Uae, Encoder }

    private static Color BarColor(BarKind kind) => kind switch
    {
        BarKind.Reference => Colors.DimGray,
        BarKind.Uae => new ScottPlot.Palettes.Category10().GetColor(1),
        BarKind.Encoder => new ScottPlot.Palettes.Category10().GetColor(2),
        _ => new ScottPlot.Palettes.Category10().GetColor(0),
    };

    /// <summary>
    /// Horizontal bars of mean test MAE with ±1 std whiskers over seeds, one per table (the first at the top), coloured by
    /// kind (the default table grey, ct-UAEs orange, whole-encoder transfer green, other tables blue), the mean written
    /// beside each bar.
    /// </summary>
    public static Plot TableBars(string title, string xLabel, IReadOnlyList<(string Label, Stat Mae, BarKind Kind)> bars)
    {
        var plot = new Plot();
        int n = bars.Count;
        var list = new List<Bar>();
        double top = 0;
        for (int i = 0; i < n; i++)
        {
            var (_, mae, kind) = bars[i];
            if (double.IsNaN(mae.Mean)) continue;
            double err = double.IsNaN(mae.Std) ? 0 : mae.Std;
            top = Math.Max(top, mae.Mean + err);
            list.Add(new Bar { Position = n - 1 - i, Value = mae.Mean, Error = err, Size = 0.7, FillColor = BarColor(kind), ErrorSize = 0.25 });
        }
        var barPlot = plot.Add.Bars(list);
        barPlot.Horizontal = true;
        for (int i = 0; i < n; i++)
        {
            var (_, mae, _) = bars[i];
            if (double.IsNaN(mae.Mean)) continue;
            var label = plot.Add.Text(mae.Mean.ToString("0.0000", CultureInfo.InvariantCulture), mae.Mean + (double.IsNaN(mae.Std) ? 0 : mae.Std) + top * 0.015, n - 1 - i);
            label.LabelFontSize = 10;
            label.LabelAlignment = Alignment.MiddleLeft;
        }
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < n; i++) ticks.AddMajor(n - 1 - i, bars[i].Label);
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.SetLimits(0, top * 1.18 + 1e-12, -0.6, n - 0.4);
        plot.Title(title, 13);
        plot.XLabel(xLabel, 12);
        return plot;
    }

    /// <summary>
    /// Paired differences against a reference table, one row per table: each seed's relative change of test MAE (open
    /// circles), the mean over seeds (diamond) and its 95 % bootstrap interval over test crystals (line); zero dashed.
    /// </summary>
    public static Plot PairedDifferences(string title, string xLabel, IReadOnlyList<(string Label, double[] PerSeed, double Mean, double Low, double High, BarKind Kind)> rows)
    {
        var plot = new Plot();
        int n = rows.Count;
        double lo = 0, hi = 0;
        for (int i = 0; i < n; i++)
        {
            var (_, seeds, mean, low, high, kind) = rows[i];
            double y = n - 1 - i;
            var color = BarColor(kind);
            if (!double.IsNaN(low) && !double.IsNaN(high))
            {
                var line = plot.Add.Line(100 * low, y, 100 * high, y);
                line.Color = color;
                line.LineWidth = 3;
                lo = Math.Min(lo, 100 * low); hi = Math.Max(hi, 100 * high);
            }
            var finite = seeds.Where(double.IsFinite).ToArray();
            if (finite.Length > 0)
            {
                var points = plot.Add.ScatterPoints(finite.Select(v => 100 * v).ToArray(), finite.Select(_ => y + 0.18).ToArray(), color);
                points.MarkerShape = MarkerShape.OpenCircle;
                points.MarkerSize = 8;
                lo = Math.Min(lo, 100 * finite.Min()); hi = Math.Max(hi, 100 * finite.Max());
            }
            if (double.IsFinite(mean)) plot.Add.Marker(100 * mean, y, MarkerShape.FilledDiamond, 11, color);
        }
        var zero = plot.Add.VerticalLine(0);
        zero.LinePattern = LinePattern.Dashed;
        zero.Color = Colors.Black.WithAlpha(0.6);
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < n; i++) ticks.AddMajor(n - 1 - i, rows[i].Label);
        plot.Axes.Left.TickGenerator = ticks;
        double pad = 0.08 * (hi - lo) + 0.5;
        plot.Axes.SetLimits(lo - pad, hi + pad, -0.6, n - 0.4);
        plot.Title(title, 13);
        plot.XLabel(xLabel, 12);
        return plot;
    }

    /// <summary>Predicted against true test values with the y = x line.</summary>
    public static Plot Parity(string title, string unit, double[] truth, double[] predicted)
    {
        var plot = new Plot();
        var dots = plot.Add.ScatterPoints(truth, predicted, Colors.SteelBlue.WithAlpha(0.55));
        dots.MarkerSize = 4;
        double lo = Math.Min(truth.Min(), predicted.Min()), hi = Math.Max(truth.Max(), predicted.Max());
        double pad = 0.03 * (hi - lo + 1e-12);
        var diagonal = plot.Add.Line(lo - pad, lo - pad, hi + pad, hi + pad);
        diagonal.Color = Colors.Black.WithAlpha(0.6);
        diagonal.LinePattern = LinePattern.Dashed;
        plot.Axes.SetLimits(lo - pad, hi + pad, lo - pad, hi + pad);
        plot.Title(title, 12);
        plot.XLabel($"true ({unit})", 12);
        plot.YLabel($"predicted ({unit})", 12);
        return plot;
    }
}
