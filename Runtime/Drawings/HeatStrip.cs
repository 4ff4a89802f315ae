using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Recur;

/// <summary>A picture of what a cell computed while it read or wrote text: for each character (columns, wrapped into lines) the
/// values of chosen units of one equation (rows), as colours, with the characters printed under their columns. By default each unit
/// is drawn as its deviation from its own mean over the text (blue below, red above), which shows how it changes as the text goes
/// on even where it barely moves off a large value (a hyper network's scaling near 1); with <c>centered: false</c> the values
/// themselves (blue–white–red around 0 when they have both signs, white to blue from 0 otherwise).</summary>
public static class HeatStrip
{
    /// <summary>The SVG picture of <paramref name="values"/> (one array per character of <paramref name="text"/>) for the chosen <paramref name="units"/>, <paramref name="perLine"/> characters to a line, under <paramref name="title"/>.</summary>
    public static string Svg(string text, IReadOnlyList<float[]> values, IReadOnlyList<int> units, string title, int perLine = 60, bool centered = true)
    {
        if (values.Count != text.Length) throw new ArgumentException($"{values.Count} rows of values were given for {text.Length} characters.", nameof(values));
        if (units.Count == 0) throw new ArgumentException("Choose at least one unit to draw.", nameof(units));
        foreach (var u in units)
            if (values.Count > 0 && (u < 0 || u >= values[0].Length)) throw new ArgumentOutOfRangeException(nameof(units), $"Unit {u} is not one of the equation's {values[0].Length}.");
        const int cell = 11, rowHeight = 7, left = 64, top = 40, charRow = 16, gap = 14, legend = 44;
        int lines = Math.Max(1, (text.Length + perLine - 1) / perLine);
        int blockHeight = units.Count * rowHeight + charRow;
        int width = left + perLine * cell + 16, height = top + lines * (blockHeight + gap) + legend;
        var mean = units.Select(u => centered && values.Count > 0 ? values.Average(v => (double)v[u]) : 0).ToArray();
        double Value(int i, int r) => values[i][units[r]] - mean[r];
        var all = Enumerable.Range(0, values.Count).SelectMany(i => Enumerable.Range(0, units.Count).Select(r => Value(i, r))).Where(double.IsFinite).DefaultIfEmpty(0).ToList();
        bool signed = centered || all.Min() < 0;
        double scale = Math.Max(1e-12, signed ? all.Max(Math.Abs) : all.Max());
        string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"monospace\" font-size=\"11\">\n");
        sb.Append($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        sb.Append($"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"14\">{Escape(title)}</text>\n");
        for (int line = 0; line < lines; line++)
        {
            int y0 = top + line * (blockHeight + gap);
            sb.Append($"<text x=\"{left - 6}\" y=\"{y0 + 8}\" text-anchor=\"end\" font-family=\"sans-serif\" font-size=\"10\">unit {units[0]}</text>");
            sb.Append($"<text x=\"{left - 6}\" y=\"{y0 + units.Count * rowHeight}\" text-anchor=\"end\" font-family=\"sans-serif\" font-size=\"10\">unit {units[^1]}</text>\n");
            for (int i = line * perLine; i < Math.Min(text.Length, (line + 1) * perLine); i++)
            {
                int x = left + (i - line * perLine) * cell;
                for (int r = 0; r < units.Count; r++)
                    sb.Append($"<rect x=\"{x}\" y=\"{y0 + r * rowHeight}\" width=\"{cell}\" height=\"{rowHeight}\" fill=\"{Colour(Value(i, r) / scale, signed)}\"/>");
                sb.Append($"<text x=\"{F(x + cell / 2.0)}\" y=\"{y0 + units.Count * rowHeight + 12}\" text-anchor=\"middle\">{Escape(Shown(text[i]))}</text>\n");
            }
        }
        // The colour scale.
        int ly = height - legend + 14, lw = 200;
        for (int k = 0; k < 20; k++)
        {
            double v = signed ? -1 + 2 * (k + 0.5) / 20 : (k + 0.5) / 20;
            sb.Append($"<rect x=\"{left + k * lw / 20}\" y=\"{ly}\" width=\"{lw / 20}\" height=\"10\" fill=\"{Colour(v, signed)}\"/>");
        }
        sb.Append($"\n<text x=\"{left - 6}\" y=\"{ly + 9}\" text-anchor=\"end\" font-family=\"sans-serif\" font-size=\"10\">{(signed ? -scale : 0).ToString("0.###", CultureInfo.InvariantCulture)}</text>");
        sb.Append($"<text x=\"{left + lw + 6}\" y=\"{ly + 9}\" font-family=\"sans-serif\" font-size=\"10\">{scale.ToString("0.###", CultureInfo.InvariantCulture)}{(centered ? " (each unit's deviation from its mean over the text)" : "")}</text>\n");
        return sb.Append("</svg>\n").ToString();
    }

    /// <summary>v in [−1, 1] (signed) or [0, 1]: blue (negative) – white – red (positive), or white to dark blue.</summary>
    private static string Colour(double v, bool signed)
    {
        v = Math.Clamp(double.IsFinite(v) ? v : 0, signed ? -1 : 0, 1);
        (double r, double g, double b) = signed
            ? v >= 0 ? (1, 1 - v * 0.85, 1 - v * 0.85) : (1 + v * 0.85, 1 + v * 0.85, 1)
            : (1 - v * 0.9, 1 - v * 0.75, 1 - v * 0.45);
        return $"#{(int)(r * 255):X2}{(int)(g * 255):X2}{(int)(b * 255):X2}";
    }

    private static string Shown(char c) => c switch { '\n' => "↵", ' ' => "·", _ => c.ToString() };

    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
