using System;
using System.IO;
using System.Linq;
using Xunit;

namespace Recur.Tests;

/// <summary>Nothing trained is lost: Ctrl-C finishes the step and leaves a checkpoint that resumes, and a process killed with SIGKILL
/// in the middle of writing a checkpoint leaves the previous one whole and loadable. Linux/macOS only (signals).</summary>
[Trait(Slow.Category, Slow.Name)]
public class InterruptionTests
{
    [SkippableTheory]
    [InlineData(ChildProcess.SigInt, "Ctrl-C")]
    [InlineData(ChildProcess.SigTerm, "SIGTERM")]
    public void A_signal_during_training_saves_a_checkpoint_that_resume_continues(int signal, string name)
    {
        SkipWithoutSignals();
        // A job started in the background by a non-interactive shell inherits SIGINT ignored, and so would the child: the OS drops it.
        Skip.If(signal == ChildProcess.SigInt && ChildProcess.IgnoresSigInt, "this test process ignores SIGINT (started as a background job), so its child would never see the Ctrl-C");
        var dir = CharModelTests.TempDir();
        int stoppedAt;
        using (var child = new ChildProcess("CharRnn", "--minutes", "5", "--hidden", "16", "--embed", "8", "--layers", "1", "--seq", "20", "--batch", "4",
                   "--out", dir, "--checkpoint-minutes", "0", "--length", "5"))
        {
            child.WaitFor("step 40 ");
            Assert.False(Directory.Exists(dir) && File.Exists(Path.Combine(dir, Checkpoint.JsonFile)), "no checkpoint before the signal");
            child.Signal(signal);
            Assert.Equal(130, child.WaitForExit());
            Assert.Contains($"Stopped by {name} after step", child.Output);
            Assert.Contains("Resume with: dotnet run -c Release --project Examples/CharRnn -- --resume", child.Output);
            stoppedAt = Checkpoint.Open(dir).Training!.Step;
            Assert.True(stoppedAt >= 40, child.Output);
        }
        var (code, output, err) = CharRnnCliTests.Run("--resume", dir, "--steps", "3", "--length", "5");
        Assert.True(code == 0, err);
        Assert.Contains($"Resuming {dir} at step {stoppedAt}", output);
        Assert.Equal(stoppedAt + 3, Checkpoint.Open(dir).Training!.Step);
    }

    [SkippableTheory]
    [InlineData(Checkpoint.ModelFile)]
    [InlineData(Checkpoint.TrainingFile)]
    public void A_process_killed_while_writing_a_checkpoint_leaves_the_previous_one_loadable(string pauseAfter)
    {
        SkipWithoutSignals();
        var dir = CharModelTests.TempDir();
        using (var child = new ChildProcess("CheckpointCrash", dir, pauseAfter))
        {
            child.WaitFor("paused after " + pauseAfter);
            child.Signal(ChildProcess.SigKill);
            child.WaitForExit();
        }
        var checkpoint = Checkpoint.Open(dir);
        Assert.Equal(1, checkpoint.Training!.Step);
        // Checkpoint 1 holds a seed-1 model's initial weights; they are loaded into a model of another seed, so a load that did
        // nothing would leave that model's own, different, weights.
        using var model = new CharModel(TestDevices.Cpu, new CharModelConfig("Lstm", 9, 4, 8, 1, 0f), seed: 2);
        using var fresh = new CharModel(TestDevices.Cpu, new CharModelConfig("Lstm", 9, 4, 8, 1, 0f), seed: 1);
        Assert.NotEqual((float[])fresh.Parameters.First().Parameter.Read(), (float[])model.Parameters.First().Parameter.Read());
        var report = checkpoint.LoadModel(model);
        Assert.Empty(report.Missing);
        Assert.Single(checkpoint.TrainingTensors());
        foreach (var (a, b) in model.Parameters.Zip(fresh.Parameters)) Assert.Equal((float[])b.Parameter.Read(), (float[])a.Parameter.Read()); // checkpoint 1's values
        // The next save goes through and clears what the killed one left.
        Checkpoint.Save(dir, model, null, checkpoint.Training with { Step = 3 }, null);
        Assert.Equal(3, Checkpoint.Open(dir).Training!.Step);
        Assert.Equal(new[] { "step-000003" }, Directory.GetDirectories(dir).Select(Path.GetFileName).ToArray());
    }

    [SkippableFact]
    public void A_finished_save_replaces_the_previous_checkpoint()
    {
        SkipWithoutSignals();
        var dir = CharModelTests.TempDir();
        using (var child = new ChildProcess("CheckpointCrash", dir, "none"))
        {
            child.WaitFor("saved 2");
            Assert.Equal(0, child.WaitForExit());
        }
        var checkpoint = Checkpoint.Open(dir);
        Assert.Equal(2, checkpoint.Training!.Step);
        Assert.Equal(new[] { "step-000002" }, Directory.GetDirectories(dir).Select(Path.GetFileName).ToArray());
    }

    private static void SkipWithoutSignals() => Skip.If(OperatingSystem.IsWindows(), "POSIX signals (SIGINT, SIGTERM, SIGKILL) are not sent this way on Windows");
}
