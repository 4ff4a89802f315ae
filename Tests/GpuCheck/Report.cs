using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Recur.GpuCheck;

/// <summary>A timing of PyTorch on the same GPU, read from the peer script's JSON: cuDNN's nn.LSTM/nn.GRU, or LN-LSTM under
/// TorchScript (the fastrnns pattern).</summary>
internal sealed record PeerTiming(string Impl, string Cell, string Mode, Shape Shape, double Ms);

/// <summary>What the kit writes: <c>gpu-check.json</c> (every check and timing) and <c>gpu-check.md</c> (the same as tables, with the
/// ratios against the peer and the issue's targets).</summary>
internal static class Report
{
    public static List<PeerTiming> ReadPeer(string path, out string about)
    {
        var root = JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty.");
        about = $"PyTorch {root["torch"]}, cuDNN {root["cudnn"]}, {root["device"]}";
        return root["timings"]!.AsArray().Select(t => new PeerTiming((string)t!["impl"]!, (string)t["cell"]!, (string)t["mode"]!,
            new Shape((int)t["steps"]!, (int)t["batch"]!, (int)t["input"]!, (int)t["hidden"]!), (double)t["ms"]!)).ToList();
    }

    public static void Write(string folder, string device, List<CheckResult> checks, List<Timing> timings, List<PeerTiming> peer, string? peerAbout)
    {
        Directory.CreateDirectory(folder);
        var json = new JsonObject
        {
            ["device"] = device,
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            ["passed"] = checks.All(c => c.Passed),
            ["checks"] = new JsonArray(checks.Select(c => (JsonNode)new JsonObject
            {
                ["kind"] = c.Kind, ["name"] = c.Name, ["error"] = double.IsFinite(c.Error) ? c.Error : -1, ["tolerance"] = c.Tolerance,
                ["passed"] = c.Passed, ["detail"] = c.Detail,
            }).ToArray()),
            ["timings"] = new JsonArray(timings.Select(t => (JsonNode)new JsonObject
            {
                ["grid"] = t.Grid, ["cell"] = t.Cell, ["mode"] = t.Mode, ["steps"] = t.Shape.Steps, ["batch"] = t.Shape.Batch,
                ["input"] = t.Shape.Input, ["hidden"] = t.Shape.Hidden, ["ms"] = t.Ms,
            }).ToArray()),
        };
        File.WriteAllText(Path.Combine(folder, "gpu-check.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(Path.Combine(folder, "gpu-check.md"), Markdown(device, checks, timings, peer, peerAbout));
    }

    private static string F(double v, string f = "F3") => v.ToString(f, CultureInfo.InvariantCulture);

    public static string Markdown(string device, List<CheckResult> checks, List<Timing> timings, List<PeerTiming> peer, string? peerAbout)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# GPU check: {device}");
        sb.AppendLine();
        sb.AppendLine($"Written by `recur-gpu-check` on {DateTime.UtcNow:yyyy-MM-dd}. {checks.Count(c => c.Passed)} of {checks.Count} checks passed.");
        sb.AppendLine("Parity: every output, final state and gradient of a training pass in float against the CPU (error relative to max(1, |CPU|)). " +
                      "Finite differences: the device's backward pass in double against central differences of its forward pass (relative, floor 0.01). " +
                      "Models: losses of training side by side with the CPU, same seed and masks.");
        sb.AppendLine();
        sb.AppendLine("| check | what | error | tolerance | |");
        sb.AppendLine("| --- | --- | ---: | ---: | --- |");
        foreach (var c in checks)
            sb.AppendLine($"| {c.Kind} | {c.Name} | {F(c.Error, "E2")} | {F(c.Tolerance, "E0")} | {(c.Passed ? "ok" : "**FAILED** " + c.Detail)} |");
        if (timings.Count == 0) return sb.ToString();

        sb.AppendLine();
        sb.AppendLine("## Timings");
        sb.AppendLine();
        sb.AppendLine(peerAbout is null ? "No peer timings were given (--peer)." : $"Peer: {peerAbout}, same GPU, same run (`peer.py`).");
        sb.AppendLine();
        sb.AppendLine("| grid | cell | mode | shape | Recur ms | vs our Lstm | peer | peer ms | Recur / peer |");
        sb.AppendLine("| --- | --- | --- | --- | ---: | ---: | --- | ---: | ---: |");
        foreach (var t in timings)
        {
            var lstm = timings.FirstOrDefault(o => o.Cell == "Lstm" && o.Mode == t.Mode && o.Shape == t.Shape);
            var p = PeerFor(peer, t);
            sb.AppendLine($"| {t.Grid} | {t.Cell} | {t.Mode} | {t.Shape} | {F(t.Ms)} | {(lstm is null ? "—" : F(t.Ms / lstm.Ms, "F2"))} | " +
                          $"{(p is null ? "—" : $"{p.Impl} {p.Cell}")} | {(p is null ? "—" : F(p.Ms))} | {(p is null ? "—" : F(t.Ms / p.Ms, "F2"))} |");
        }
        sb.AppendLine();
        sb.AppendLine("## Targets (fastrnns configuration)");
        sb.AppendLine();
        foreach (var line in Targets(timings, peer)) sb.AppendLine("- " + line);
        return sb.ToString();
    }

    /// <summary>The peer timing of the same cell, mode and shape; LayerNormLstm is compared with TorchScript's LN-LSTM.</summary>
    private static PeerTiming? PeerFor(List<PeerTiming> peer, Timing t) =>
        peer.FirstOrDefault(p => p.Cell == t.Cell && p.Mode == t.Mode && p.Shape == t.Shape);

    private static IEnumerable<string> Targets(List<Timing> timings, List<PeerTiming> peer)
    {
        Timing? Ours(string cell, string mode) => timings.FirstOrDefault(t => t.Grid == "fastrnns" && t.Cell == cell && t.Mode == mode);
        PeerTiming? Cudnn(string cell, string mode) => peer.FirstOrDefault(p => p.Impl == "cudnn" && p.Cell == cell && p.Mode == mode && p.Shape == Ours(cell, mode)?.Shape);
        string Verdict(double ratio, double goal) => $"{F(ratio, "F2")}× (target ≤ {F(goal, "F1")}×): {(ratio <= goal ? "met" : "**not met**")}";
        var lstm = Ours("Lstm", "fwdbwd");
        var cudnnLstm = Cudnn("Lstm", "fwdbwd");
        yield return lstm is null || cudnnLstm is null ? "Lstm fwd+bwd against cuDNN LSTM: not measured" : $"Lstm fwd+bwd against cuDNN LSTM: {Verdict(lstm.Ms / cudnnLstm.Ms, 1.5)}";
        var ln = Ours("LayerNormLstm", "fwdbwd");
        yield return ln is null || cudnnLstm is null ? "LayerNormLstm fwd+bwd against cuDNN LSTM: not measured" : $"LayerNormLstm fwd+bwd against cuDNN LSTM: {Verdict(ln.Ms / cudnnLstm.Ms, 1.5)}";
        if (lstm is null) yield break;
        var gated = timings.Where(t => t.Grid == "fastrnns" && t.Mode == "fwdbwd" && t.Cell is not ("Lstm" or "BasicRnn" or "Irnn" or "UnitaryRnn")).ToList();
        var over = gated.Where(t => t.Ms / lstm.Ms > 1.3).Select(t => $"{t.Cell} {F(t.Ms / lstm.Ms, "F2")}×").ToList();
        yield return $"every other gated cell fwd+bwd ≤ 1.3× our Lstm: {(over.Count == 0 ? "met" : "**not met**: " + string.Join(", ", over))}";
    }
}
