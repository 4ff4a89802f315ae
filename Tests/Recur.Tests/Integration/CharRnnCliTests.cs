using System;
using System.IO;
using System.Linq;
using Xunit;
using CharRnnProgram = Recur.Examples.CharRnn.Program;

namespace Recur.Tests;

/// <summary>The example's command line: mistakes give a message and exit code 2; a short run trains, saves and samples.</summary>
[Trait(Slow.Category, Slow.Name)]
public class CharRnnCliTests
{
    internal static (int Code, string Out, string Err) Run(params string[] args) => ConsoleCapture.Run(CharRnnProgram.Main, args);

    [Fact]
    public void An_unknown_option_is_a_usage_error()
    {
        var (code, _, err) = Run("--hiden", "12");
        Assert.Equal(2, code);
        Assert.Contains("Unrecognized command or argument '--hiden'", err);
    }

    [Fact]
    public void A_missing_data_file_is_an_error_naming_it()
    {
        var (code, _, err) = Run("--data", "/nonexistent/text.txt", "--steps", "1");
        Assert.Equal(2, code);
        Assert.Contains("/nonexistent/text.txt", err);
    }

    [Fact]
    public void An_empty_data_file_is_an_error()
    {
        var path = Path.GetTempFileName();
        var (code, _, err) = Run("--data", path, "--steps", "1");
        Assert.Equal(2, code);
        Assert.Contains("empty", err);
    }

    [Theory]
    [InlineData("--cell", "Transformer", "--cell takes one of BasicRnn, Lstm, Gru")]
    [InlineData("--optimizer", "adagrad", "--optimizer takes one of adam, adamw, sgd, rmsprop, not 'adagrad'")]
    [InlineData("--schedule", "linear", "--schedule takes one of constant, step, cosine, not 'linear'")]
    [InlineData("--dropout", "1.5", "--dropout takes a number in [0, 1), not '1.5'")]
    [InlineData("--layers", "0", "--layers takes a whole number ≥ 1, not '0'")]
    [InlineData("--warmup", "-3", "--warmup takes a whole number ≥ 0, not '-3'")]
    [InlineData("--steps", "0", "--steps takes a whole number ≥ 1, not '0'")]
    [InlineData("--minutes", "-2", "--minutes takes a positive number, not '-2'")]
    [InlineData("--weight-decay", "-1", "--weight-decay takes a number ≥ 0")]
    [InlineData("--top-p", "0", "--top-p takes a number in (0, 1]")]
    [InlineData("--hidden", "many", "--hidden takes a whole number ≥ 1, not 'many'")]
    public void A_bad_option_value_exits_2_naming_the_option_and_what_it_takes(string option, string value, string message)
    {
        var (code, _, err) = Run(option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, err);
    }

    [Fact]
    public void Other_usage_mistakes_are_named()
    {
        Assert.Contains("--schedule cosine decays the learning rate over the run's steps; give --steps N", Run("--schedule", "cosine").Err);
        Assert.Contains("--resume and --generate do not go together", Run("--resume", "a", "--generate", "b").Err);
        var missing = Run("--generate", "/nonexistent/checkpoint");
        Assert.Equal(2, missing.Code);
        Assert.Contains("/nonexistent/checkpoint", missing.Err);
    }

    [Fact]
    public void Help_lists_the_options_with_their_choices()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("--optimizer <adam|adamw|sgd|rmsprop>", output);
        Assert.Contains("--schedule <constant|step|cosine>", output);
        Assert.Contains("--warmup", output);
        Assert.Contains("--weight-decay", output);
    }

    [Fact]
    public void A_hyperparameter_the_cell_lacks_is_an_error_naming_the_ones_it_has()
    {
        var (code, _, err) = Run("--cell", "Irnn", "--hyper", "Scale=0.5", "--steps", "1", "--hidden", "8", "--embed", "4", "--layers", "1");
        Assert.Equal(2, code);
        Assert.Contains("no hyperparameter 'Scale'", err);
        Assert.Contains("IdentityScale", err);
    }

    [Fact]
    public void A_short_run_trains_saves_and_generates_then_sampling_reads_the_checkpoint()
    {
        var dir = Directory.CreateTempSubdirectory("recur-cli-").FullName;
        var (code, output, err) = Run("--steps", "4", "--hidden", "16", "--embed", "8", "--layers", "1", "--seq", "20", "--batch", "4", "--out", dir, "--length", "40", "--cell", "Jzs1");
        Assert.True(code == 0, err);
        Assert.Contains("train loss", output);
        Assert.Contains("val loss", output);
        Assert.Contains("ROMEO:", output);
        Assert.True(File.Exists(Checkpoint.Open(dir).ModelPath));
        Assert.True(File.Exists(Path.Combine(dir, "loss.svg")));
        var sample = Run("--generate", dir, "--prompt", "JULIET:", "--length", "30", "--temperature", "0");
        Assert.Equal(0, sample.Code);
        Assert.StartsWith("JULIET:", sample.Out);
        Assert.Equal("JULIET:".Length + 30, sample.Out.Length - Environment.NewLine.Length);
        var resumed = Run("--resume", dir, "--steps", "2", "--length", "10");
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Contains("Resuming", resumed.Out);
        Assert.Equal(6, Checkpoint.Open(dir).Training!.Step);
    }

    [Theory]
    [InlineData("adamw", "cosine")]
    [InlineData("sgd", "step")]
    [InlineData("rmsprop", "constant")]
    public void Every_optimizer_and_schedule_trains_from_the_command_line(string optimizer, string schedule)
    {
        var dir = Directory.CreateTempSubdirectory("recur-cli-").FullName;
        var (code, output, err) = Run("--steps", "4", "--hidden", "16", "--embed", "8", "--layers", "1", "--seq", "20", "--batch", "4", "--out", dir, "--length", "5",
            "--optimizer", optimizer, "--schedule", schedule, "--warmup", "2", "--weight-decay", "0.01", "--decay-every", "2", "--lr", "0.01");
        Assert.True(code == 0, err);
        Assert.Contains(optimizer + ", lr 0.01 (" + schedule + ", 2 warm-up steps)", output);
        var settings = Checkpoint.Open(dir).Training!.Settings;
        Assert.Equal((optimizer, 0.01, schedule, 2), (settings.Optimizer, settings.WeightDecay, settings.Schedule.Kind, settings.Schedule.Warmup));
    }
}

/// <summary>The stack and regularizer options of the example: each trains 100 steps with a falling loss, and so do all together; and
/// each changes what runs: its loss trajectory differs from that of the same run without it, at the same seed.</summary>
[Trait(Slow.Category, Slow.Name)]
public class CharRnnRegularizerCliTests
{
    private static readonly string[] Common = { "--steps", "100", "--hidden", "32", "--embed", "8", "--layers", "3", "--seq", "30", "--batch", "8", "--length", "10", "--checkpoint-minutes", "0" };

    /// <summary>The training losses the run prints (every 20 steps), without any of the options.</summary>
    private static readonly Lazy<double[]> Plain = new(() =>
    {
        var (code, output, err) = CharRnnCliTests.Run(Common.Concat(new[] { "--out", Directory.CreateTempSubdirectory("recur-cli-").FullName }).ToArray());
        Assert.True(code == 0, err);
        return Losses(output);
    });

    private static double[] Losses(string output) => System.Text.RegularExpressions.Regex.Matches(output, "step \\d+ epoch \\d+ train loss ([0-9.]+)")
        .Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    [Theory]
    [InlineData("--interconnect", "inputs,states,skip:1")]
    [InlineData("--interconnect", "residual,dense")]
    [InlineData("--zoneout", "0.1")]
    [InlineData("--weight-drop", "0.3")]
    [InlineData("--norm-stabilizer", "1")]
    // DeCov at 0.01 is applied (CharTaskTests) but, on 32 units with their small covariances, moves 100 steps' losses by less than
    // the printed 3 decimals; at 1 it shows.
    [InlineData("--decov", "1")]
    [InlineData("--ar", "1", "--tar", "1")]
    [InlineData("--curriculum", "60")]
    [InlineData("--interconnect", "inputs,states,skip:1,residual,dense", "--zoneout", "0.1", "--weight-drop", "0.2", "--norm-stabilizer", "0.5", "--decov", "0.01", "--ar", "0.5", "--tar", "0.5")]
    public void An_option_trains_100_steps_with_a_falling_loss(params string[] option)
    {
        var dir = Directory.CreateTempSubdirectory("recur-cli-").FullName;
        var (code, output, err) = CharRnnCliTests.Run(Common.Concat(new[] { "--out", dir }).Concat(option).ToArray());
        Assert.True(code == 0, err);
        var losses = Losses(output);
        Assert.True(losses.Length >= 5 && losses[^1] < losses[0] - 0.2, $"train losses every 20 steps: {string.Join(", ", losses)}:\n{output}");
        // An option that is parsed and never applied would train exactly as the plain run does.
        Assert.NotEqual(Plain.Value, losses);
        // A resumed run keeps the structure and regularizers the checkpoint was trained with.
        var resumed = CharRnnCliTests.Run("--resume", dir, "--steps", "2", "--length", "5");
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Equal(output.Split('\n').First(l => l.StartsWith("Training ")), resumed.Out.Split('\n').First(l => l.StartsWith("Training ")));
    }

    [Fact]
    public void Preparing_each_batch_in_the_step_instead_of_ahead_trains_the_same_run()
    {
        var (code, output, err) = CharRnnCliTests.Run(Common.Concat(new[] { "--out", Directory.CreateTempSubdirectory("recur-cli-").FullName, "--load-ahead", "false" }).ToArray());
        Assert.True(code == 0, err);
        Assert.Equal(Plain.Value, Losses(output));
        Assert.Contains("ms a step for data", output);
    }

    [Fact]
    public void Visualize_draws_an_equation_of_the_top_layer_over_the_text()
    {
        var dir = Directory.CreateTempSubdirectory("recur-cli-").FullName;
        var svg = Path.Combine(dir, "gates.svg");
        var (code, _, err) = CharRnnCliTests.Run("--steps", "5", "--hidden", "16", "--embed", "8", "--layers", "1", "--seq", "20", "--batch", "4", "--out", dir,
            "--length", "30", "--visualize", svg, "--equation", "o", "--units", "6");
        Assert.True(code == 0, err);
        var picture = File.ReadAllText(svg);
        Assert.Contains("equation o, units 0–5", picture);
        Assert.Contains(">R</text>", picture); // the prompt's characters label their columns
        // One column per character read: the prompt and every generated character but the last, six units each.
        Assert.Equal((6 + 30 - 1) * 6, System.Text.RegularExpressions.Regex.Matches(picture, "<rect x=\"\\d+\" y=\"\\d+\" width=\"11\" height=\"7\"").Count);
        var bad = CharRnnCliTests.Run("--generate", dir, "--visualize", svg, "--equation", "nope");
        Assert.Equal(2, bad.Code);
        Assert.Contains("no equation 'nope'", bad.Err);
        Assert.Contains("i, f, g, o", bad.Err);
    }
}
