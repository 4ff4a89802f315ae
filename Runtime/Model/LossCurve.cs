using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Recur;

/// <summary>The loss curve as a small standalone SVG: training loss and validation loss (nats/char) against steps.</summary>
public static class LossCurve
{
    public static string Svg(IReadOnlyList<LossPoint> points, string title)
    {
        const int W = 640, H = 360, L = 56, R = 16, T = 32, B = 40;
        var sb = new StringBuilder();
        sb.Append(FormattableString.Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        sb.Append($"<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>\n<text x=\"{L}\" y=\"20\">{Escape(title)}</text>\n");
        if (points.Count == 0) return sb.Append("</svg>\n").ToString();
        var all = points.Select(p => p.TrainLoss).Concat(points.Where(p => p.ValLoss.HasValue).Select(p => p.ValLoss!.Value)).ToList();
        double minY = Math.Floor(all.Min() * 10) / 10, maxY = Math.Ceiling(all.Max() * 10) / 10;
        if (maxY - minY < 0.1) maxY = minY + 0.1;
        int maxX = Math.Max(1, points.Max(p => p.Step));
        string X(double step) => (L + (W - L - R) * step / maxX).ToString("F1", CultureInfo.InvariantCulture);
        string Y(double loss) => (T + (H - T - B) * (maxY - loss) / (maxY - minY)).ToString("F1", CultureInfo.InvariantCulture);
        sb.Append($"<line x1=\"{L}\" y1=\"{H - B}\" x2=\"{W - R}\" y2=\"{H - B}\" stroke=\"black\"/><line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{H - B}\" stroke=\"black\"/>\n");
        for (int i = 0; i <= 4; i++)
        {
            double v = minY + (maxY - minY) * i / 4;
            sb.Append(FormattableString.Invariant($"<text x=\"4\" y=\"{Y(v)}\">{v:F2}</text><line x1=\"{L}\" y1=\"{Y(v)}\" x2=\"{W - R}\" y2=\"{Y(v)}\" stroke=\"#ddd\"/>\n"));
        }
        sb.Append(FormattableString.Invariant($"<text x=\"{L}\" y=\"{H - 12}\">0</text><text x=\"{W - R - 40}\" y=\"{H - 12}\">{maxX} steps</text>\n"));
        sb.Append($"<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"{string.Join(" ", points.Select(p => X(p.Step) + "," + Y(p.TrainLoss)))}\"/>\n");
        var val = points.Where(p => p.ValLoss.HasValue).ToList();
        if (val.Count > 0)
        {
            sb.Append($"<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" points=\"{string.Join(" ", val.Select(p => X(p.Step) + "," + Y(p.ValLoss!.Value)))}\"/>\n");
            foreach (var p in val) sb.Append($"<circle cx=\"{X(p.Step)}\" cy=\"{Y(p.ValLoss!.Value)}\" r=\"2.5\" fill=\"#d62728\"/>\n");
        }
        sb.Append($"<text x=\"{W - 200}\" y=\"20\" fill=\"#1f77b4\">train loss</text><text x=\"{W - 110}\" y=\"20\" fill=\"#d62728\">val loss (nats/char)</text>\n");
        return sb.Append("</svg>\n").ToString();
    }

    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
