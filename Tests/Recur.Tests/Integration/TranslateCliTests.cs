using System;
using System.IO;
using System.Linq;
using Xunit;
using TranslateProgram = Recur.Examples.Translate.Program;

namespace Recur.Tests;

/// <summary>The translator's command line: a short run trains, scores and saves; --translate writes one line per input line, keeps
/// empty lines, reads unseen words as &lt;unk&gt;; mistakes (a missing file, a checkpoint of another model, a bad option) get a
/// message and exit code 2.</summary>
[Trait(Slow.Category, Slow.Name)]
public class TranslateCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => ConsoleCapture.Run(TranslateProgram.Main, args);

    private static string RepoFile(params string[] parts)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Dsl.sln"))) return Path.Combine(new[] { d.FullName }.Concat(parts).ToArray());
        throw new FileNotFoundException("The repository root was not found above the test's folder.");
    }

    [Theory]
    [InlineData("--attention", "monotonic", "--attention takes one of bahdanau, luong-dot, luong-general, luong-concat, coverage, not 'monotonic'")]
    [InlineData("--cell", "Jzs1", "--cell takes one of Gru, Lstm, not 'Jzs1'")]
    [InlineData("--beam", "0", "--beam takes a whole number ≥ 1, not '0'")]
    [InlineData("--scheduled-sampling", "linear:x", "--scheduled-sampling takes none, linear:K:C[:min]")]
    [InlineData("--output", "x.txt", "--output is where --translate writes")]
    [InlineData("--average", "1", "--average takes the mean of 2 or more snapshots")]
    public void A_bad_option_is_a_usage_error_naming_it(string option, string value, string message)
    {
        var (code, _, err) = Run(option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, err);
    }

    [Fact]
    public void Translating_a_missing_file_or_with_another_models_checkpoint_is_a_clear_error()
    {
        var (code, _, err) = Run("--translate", "/nonexistent/in.txt");
        Assert.Equal(2, code);
        Assert.Contains("No file to translate at '/nonexistent/in.txt'", err);

        var input = Path.GetTempFileName();
        var dir = Path.Combine(Path.GetTempPath(), "recur-translate-" + Guid.NewGuid().ToString("N"));
        try
        {
            File.WriteAllText(input, "Hello.\n");
            (code, _, err) = Run("--translate", input, "--out", dir);
            Assert.Equal(2, code);
            Assert.Contains("No checkpoint at", err);
            // A character model's checkpoint is not a translator.
            Assert.Equal(0, CharRnnCliTests.Run("--steps", "2", "--hidden", "8", "--layers", "1", "--seq", "10", "--batch", "2", "--length", "5", "--out", dir).Code);
            (code, _, err) = Run("--translate", input, "--out", dir);
            Assert.Equal(2, code);
            Assert.Contains("does not hold a translation model", err);
        }
        finally
        {
            File.Delete(input);
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_short_run_trains_scores_saves_and_translates_a_file_line_for_line()
    {
        InCorpus((dir, data) =>
        {
            var (code, output, err) = Run("--data", data, "--steps", "4", "--embed", "8", "--encoder-hidden", "8", "--hidden", "16", "--batch", "16",
                "--beam", "2", "--out", Path.Combine(dir, "ckpt"), "--checkpoint-minutes", "0", "--bpe", "0");
            Assert.True(code == 0, output + err);
            Assert.Contains("Validation loss", output);
            Assert.Contains("with greedy decoding", output);
            Assert.Contains("with beam 2, α 0.6 decoding", output);
            Assert.Contains("I am cold.  →", output);
            Assert.True(File.Exists(Path.Combine(dir, "ckpt", "checkpoint.json")));

            var input = Path.Combine(dir, "in.txt");
            File.WriteAllLines(input, new[] { "I am cold.", "", "Zyxwv quorbled the flibber.\tignored french column", "Where is Tom?" });
            var into = Path.Combine(dir, "out.txt");
            (code, output, err) = Run("--translate", input, "--out", Path.Combine(dir, "ckpt"), "--output", into, "--beam", "3", "--mmi", "0.3", "--data", data);
            Assert.True(code == 0, output + err);
            var lines = File.ReadAllLines(into);
            Assert.Equal(4, lines.Length);
            Assert.Equal("", lines[1]);
            Assert.Contains("line 2 of", err);
            Assert.Contains("not in the model's English vocabulary; they read as <unk>", err);
            Assert.Contains("Translated 4 lines", err);
            Assert.Equal("", output);
        });
    }

    [Fact]
    public void A_subword_model_with_a_curriculum_keeps_its_merges_in_the_checkpoint_and_scores_and_translates_in_words()
    {
        InCorpus((dir, data) =>
        {
            var ckpt = Path.Combine(dir, "ckpt");
            var (code, output, err) = Run("--data", data, "--steps", "4", "--embed", "8", "--encoder-hidden", "8", "--hidden", "16", "--batch", "16",
                "--beam", "2", "--out", ckpt, "--checkpoint-minutes", "0", "--bpe", "300", "--curriculum", "3", "--load-ahead", "false", "--schedule", "step", "--decay-every", "2",
                "--average", "2", "--average-every", "2");
            Assert.True(code == 0, output + err);
            Assert.Contains("French subwords (300 byte-pair merges)", output);
            Assert.Contains("curriculum over 3 steps", output);
            Assert.Contains("lr 0.001 (step)", output);
            Assert.Contains("ms a step for data" + Environment.NewLine, output);
            Assert.DoesNotContain("loaded ahead", output);
            Assert.Contains("Averaged the weights at steps 2, 4.", output);
            var description = TranslationDescriptionOf(ckpt);
            Assert.Equal(300, description.TargetMerges!.Length);

            (code, output, err) = Run("--score", "--out", ckpt, "--data", data, "--beam", "2");
            Assert.True(code == 0, output + err);
            Assert.Contains("with greedy decoding", output);
            Assert.Contains("with beam 2, α 0.6 decoding", output);

            var input = Path.Combine(dir, "in.txt");
            File.WriteAllLines(input, new[] { "Zyxwv quorbled the flibber." });
            (code, output, err) = Run("--translate", input, "--out", ckpt, "--data", data);
            Assert.True(code == 0, output + err);
            // The model writes pieces; the translation is words.
            Assert.Contains("Translated 1 lines", err);
            Assert.DoesNotContain("@@", output);
            Assert.Equal(2, Run("--score", "--resume", ckpt).Code);
        });
    }

    /// <summary>Runs <paramref name="test"/> in a new folder holding the first 400 shipped pairs as <c>pairs.tsv</c>, then deletes it.</summary>
    private static void InCorpus(Action<string, string> test)
    {
        var dir = Path.Combine(Path.GetTempPath(), "recur-translate-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var data = Path.Combine(dir, "pairs.tsv");
            File.WriteAllLines(data, File.ReadLines(RepoFile("Examples", "data", "eng-fra-30k.tsv")).Take(400));
            test(dir, data);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static Recur.Examples.Tasks.TranslationDescription TranslationDescriptionOf(string dir) => Recur.Examples.Tasks.TranslationDescription.Read(Checkpoint.Open(dir));
}
