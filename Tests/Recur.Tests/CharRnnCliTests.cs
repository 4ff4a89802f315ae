using System;
using System.IO;
using Xunit;
using CharRnnProgram = Recur.Examples.CharRnn.Program;

namespace Recur.Tests;

/// <summary>The example's command line: mistakes give a message and exit code 2; a short run trains, saves and samples.</summary>
public class CharRnnCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        using var o = new StringWriter();
        using var e = new StringWriter();
        Console.SetOut(o);
        Console.SetError(e);
        try { return (CharRnnProgram.Main(args), o.ToString(), e.ToString()); }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    [Fact]
    public void An_unknown_option_is_a_usage_error()
    {
        var (code, _, err) = Run("--hiden", "12");
        Assert.Equal(2, code);
        Assert.Contains("Unknown option '--hiden'", err);
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

    [Fact]
    public void Bad_values_are_usage_errors()
    {
        Assert.Equal(2, Run("--cell", "Transformer").Code);
        Assert.Equal(2, Run("--dropout", "1.5").Code);
        Assert.Equal(2, Run("--layers", "0").Code);
        Assert.Equal(2, Run("--top-p", "0").Code);
        Assert.Equal(2, Run("--generate", "/nonexistent/checkpoint").Code);
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
        Assert.True(File.Exists(Path.Combine(dir, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir, "loss.svg")));
        var sample = Run("--generate", dir, "--prompt", "JULIET:", "--length", "30", "--temperature", "0");
        Assert.Equal(0, sample.Code);
        Assert.StartsWith("JULIET:", sample.Out);
        Assert.Equal("JULIET:".Length + 30, sample.Out.Length - Environment.NewLine.Length);
        var resumed = Run("--resume", dir, "--steps", "2", "--length", "10");
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Contains("Resuming", resumed.Out);
    }
}
