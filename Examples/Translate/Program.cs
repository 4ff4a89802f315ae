using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Recur;
using Recur.Examples.Tasks;

namespace Recur.Examples.Translate;

/// <summary>Trains an English→French translator (bidirectional encoder, attention decoder) on Tatoeba pairs, reports validation loss and
/// corpus BLEU (greedy and beam), saves a checkpoint, and translates.
///   dotnet run -c Release --project Examples/Translate                                        train ~10 minutes, score, translate examples
///   dotnet run -c Release --project Examples/Translate -- --translate sentences.txt --beam 5   translate a file with the checkpoint
/// The command line is System.CommandLine's; a mistake exits with code 2 and a message naming the option.</summary>
public static class Program
{
    private static readonly string[] Examples =
    {
        "I am cold.", "She is reading a book.", "We have to go home now.", "Where is the train station?", "Tom doesn't like cheese.",
        "I think it's going to rain tomorrow.",
    };

    public static int Main(string[] args)
    {
        Console.OutputEncoding = Encoding.UTF8;
        var cli = new Options();
        return CommandLine.Run(cli.Root, args, parsed =>
        {
            var o = cli.Read(parsed);
            return o.TranslateFile is not null ? TranslateFile(o) : o.Score ? Score(o) : Train(o);
        });
    }

    private static int Train(Settings o)
    {
        var dataPath = DataPath(o);
        return DataParallelRun.Run(o.Distributed, o.Device, o.Threads, (device, parallel) => Train(o, dataPath, device, parallel));
    }

    private static int Train(Settings o, string dataPath, Device device, DataParallel? parallel)
    {
        var (trainPairs, validationPairs) = Corpus(o);
        CheckpointReader? checkpoint = null;
        TranslationData data;
        Seq2SeqConfig config;
        TranslationDescription? saved = null;
        if (o.ResumeDir is { } dir)
        {
            checkpoint = Checkpoint.Open(dir);
            var state = checkpoint.Training ?? throw new InvalidDataException($"'{dir}' holds no training state; it can translate (--translate), not be resumed.");
            saved = TranslationDescription.Read(checkpoint);
            data = Saved(saved, trainPairs, validationPairs);
            config = saved.Model;
            o = o with
            {
                Batch = o.Given("--batch") ? o.Batch : saved.Batch,
                LabelSmoothing = o.Given("--label-smoothing") ? o.LabelSmoothing : saved.LabelSmoothing,
                Sampling = o.Given("--scheduled-sampling") ? o.Sampling : saved.Sampling,
            };
            Console.WriteLine($"Resuming {dir} at step {state.Step}.");
        }
        else
        {
            data = new TranslationData(trainPairs, validationPairs, minCount: o.MinCount, sourceUnits: Units(trainPairs, p => p.Source, o.Bpe),
                targetUnits: Units(trainPairs, p => p.Target, o.Bpe));
            config = new Seq2SeqConfig(data.SourceVocabulary.Count, data.TargetVocabulary.Count, CellCatalog.Canonical(o.Cell), o.Attention.ToLowerInvariant(),
                o.Embed, o.EncoderHidden, o.Hidden, o.Layers, o.Bidirectional, o.Dropout, StateAveraging: o.StateAveraging);
        }
        using var model = new Seq2Seq<float>(device, config, o.Seed);
        checkpoint?.LoadModel(model);
        var task = new TranslationTask(model, data, o.Batch, o.LabelSmoothing, o.Sampling, parallel?.Shard);
        var options = new TrainerOptions
        {
            Steps = o.Steps,
            Minutes = o.Steps is null ? o.Minutes ?? 10 : o.Minutes,
            CheckpointDir = o.Out,
            CheckpointMinutes = o.CheckpointMinutes,
            ValidateEvery = 300,
            Parallel = parallel,
            LoadAhead = o.LoadAhead,
            AverageLast = o.AverageLast,
            AverageEvery = o.AverageEvery,
            Title = $"{config.Cell} {config.Attention} seq2seq on {data.Train.Count:N0} English→French pairs",
        };
        bool live = !Console.IsOutputRedirected;
        Action<string> log = line => Console.Write(live ? line : line + "\n");
        // Unless given again, a resumed run keeps the checkpoint's learning rate, clip and seed (the trainer merges them).
        using var trainer = checkpoint is null
            ? Trainer<float>.Start(task, new TrainingSettings("adam", o.Lr, 0, o.Clip, o.Schedule, o.Seed, CommandLine.Curriculum(o.Curriculum)), options, log, live)
            : Trainer<float>.Resume(task, checkpoint, new TrainingOverrides(LearningRate: o.Given("--lr") ? o.Lr : null,
                Clip: o.Given("--clip") ? o.Clip : null, Seed: o.Given("--seed") ? o.Seed : null,
                Schedule: o.Given("--schedule") || o.Given("--warmup") ? o.Schedule : null,
                Curriculum: o.Given("--curriculum") ? CommandLine.Curriculum(o.Curriculum) : null), options, log, live);
        Console.WriteLine($"Training {(config.Bidirectional ? "a bidirectional" : "an")} {config.Cell} encoder ({config.Layers}×{config.EncoderHidden}{(config.Bidirectional ? " per direction" : "")}) " +
                          $"and a {config.Cell} decoder with {config.Attention} attention ({config.Layers}×{config.DecoderHidden}), embeddings {config.Embed}, dropout {config.Dropout}" +
                          $"{(config.StateAveraging > 0 ? $", state averaging {config.StateAveraging}" : "")}: {model.ParameterCount:N0} parameters on {device.Name}; GEMM: {device.GemmName<float>()}.");
        Console.WriteLine($"Data: {dataPath} (Tatoeba contributors, CC-BY 2.0 France): {data.Train.Count:N0} training and {data.ValidationPairs.Count:N0} validation pairs " +
                          $"({data.ValidationReferences().Count:N0} distinct English sentences, never seen in training); vocabularies {data.SourceVocabulary.Count:N0} English and " +
                          $"{data.TargetVocabulary.Count:N0} French {(data.TargetUnits.Bpe is { } bpe ? $"subwords ({bpe.Merges.Count:N0} byte-pair merges)" : "words")}; batches of {task.Batch} pairs bucketed by length, {task.BatchesPerEpoch} per epoch; Adam, lr {trainer.State.Settings.LearningRate} ({trainer.State.Settings.Schedule.Kind}), " +
                          $"label smoothing {task.LabelSmoothing}{(task.Sampling.Decay != SamplingDecay.None ? $", scheduled sampling {task.Sampling.Decay}" : "")}; " +
                          $"{(trainer.State.Settings.Curriculum is { } cur ? $"curriculum over {cur.Steps} steps; " : "")}budget {(options.Steps is { } st ? $"{st} steps" : $"{options.Minutes} minutes")}.");
        var result = trainer.Run();
        if (result.Interrupted)
        {
            Console.WriteLine("Resume with: " + DataParallelRun.ResumeCommand("Translate", o.Out, parallel));
            return 130;
        }
        double epochs = (double)trainer.State.Step / task.BatchesPerEpoch;
        Console.WriteLine($"Validation loss {result.ValidationLoss:F3} nats/token (perplexity {Math.Exp(result.ValidationLoss):F1}) after {trainer.State.Step} steps, {epochs:F2} epochs. " +
                          $"Checkpoint and loss curve: {Path.GetFullPath(o.Out)}");

        if (parallel is { IsRoot: false }) return 0;
        Score(model, data, o, live);
        return 0;
    }

    private static string DataPath(Settings o) => o.Data ?? CommandLine.FindShippedData("eng-fra-30k.tsv");

    /// <summary>The corpus split as training split it: the same pairs held out.</summary>
    private static (List<SentencePair> Train, List<SentencePair> Validation) Corpus(Settings o) =>
        ParallelCorpus.Split(ParallelCorpus.Load(DataPath(o)), o.ValidationFraction);

    /// <summary>The units of one side (<paramref name="side"/>): byte-pair subwords learned from the training pairs with
    /// <paramref name="merges"/> merges, or words for 0.</summary>
    private static Segmenter Units(List<SentencePair> train, Func<SentencePair, string> side, int merges) =>
        merges == 0 ? Segmenter.ByWords : Segmenter.BySubwords(BytePairEncoding.Learn(train.Select(p => WordTokenizer.Tokenize(side(p))), merges));

    /// <summary>The corpus encoded as a checkpoint's model reads it: its vocabularies and units.</summary>
    private static TranslationData Saved(TranslationDescription saved, List<SentencePair> train, List<SentencePair> validation) =>
        new(train, validation, new Vocabulary(saved.SourceWords), new Vocabulary(saved.TargetWords), sourceUnits: saved.SourceUnits(), targetUnits: saved.TargetUnits());

    /// <summary>Validation BLEU of <paramref name="model"/>, greedy and with the beam, then the example sentences translated.</summary>
    private static void Score(Seq2Seq<float> model, TranslationData data, Settings o, bool live)
    {
        var translator = new Translator(model, data.SourceVocabulary, data.TargetVocabulary, data.SourceUnits, data.TargetUnits);
        var references = data.ValidationReferences();
        if (o.BleuSentences > 0) references = references.Take(o.BleuSentences).ToList();
        foreach (var beam in new[] { null, new BeamOptions(Math.Max(o.Beam, 2), o.Alpha, o.Beta) })
        {
            var clock = Stopwatch.StartNew();
            var bleu = translator.Bleu(references, beam, n => Progress(live, $"BLEU ({Search(beam)}): {n}/{references.Count} sentences"));
            if (live) Console.Write("\r" + new string(' ', 60) + "\r");
            Console.WriteLine($"Validation {bleu} with {Search(beam)} decoding, {references.Count:N0} sentences in {clock.Elapsed.TotalSeconds:F1} s.");
        }
        Console.WriteLine();
        var examples = translator.Translate(Examples, o.BeamOptions);
        for (int i = 0; i < Examples.Length; i++) Console.WriteLine($"  {Examples[i]}  →  {examples[i]}");
    }

    /// <summary>--score: the checkpoint in --out scored on the validation split of the corpus it was trained on.</summary>
    private static int Score(Settings o)
    {
        using var saved = SavedModel.Open(o);
        var (train, validation) = Corpus(o);
        Score(saved.Model, Saved(saved.Description, train, validation), o, !Console.IsOutputRedirected);
        return 0;
    }

    /// <summary>The model a checkpoint in --out holds, on the device of --device; disposing it frees both.</summary>
    private sealed class SavedModel : IDisposable
    {
        private readonly Device _device;

        private SavedModel(Device device, Seq2Seq<float> model, TranslationDescription description) => (_device, Model, Description) = (device, model, description);

        public Seq2Seq<float> Model { get; }
        public TranslationDescription Description { get; }

        /// <summary>The checkpoint in --out loaded, a clear error when there is none.</summary>
        public static SavedModel Open(Settings o)
        {
            if (!Directory.Exists(o.Out)) throw new DirectoryNotFoundException($"No checkpoint at '{Path.GetFullPath(o.Out)}'; train one first (dotnet run -c Release --project Examples/Translate) or give --out DIR.");
            var checkpoint = Checkpoint.Open(o.Out);
            var description = TranslationDescription.Read(checkpoint);
            var device = Device.FromName(o.Device);
            Seq2Seq<float>? model = null;
            try
            {
                model = new Seq2Seq<float>(device, description.Model, o.Seed);
                checkpoint.LoadModel(model);
                return new SavedModel(device, model, description);
            }
            catch
            {
                model?.Dispose();
                device.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            Model.Dispose();
            _device.Dispose();
        }
    }

    private static string Search(BeamOptions? beam) => beam is null ? "greedy" : $"beam {beam.Width}, α {beam.Alpha}{(beam.Beta > 0 ? $", β {beam.Beta}" : "")}";

    private static void Progress(bool live, string text)
    {
        if (live) Console.Write("\r" + text + "   ");
    }

    /// <summary>--translate: one French line per input line, in order; an empty line stays empty (with a note on standard error).</summary>
    private static int TranslateFile(Settings o)
    {
        if (!File.Exists(o.TranslateFile)) throw new FileNotFoundException($"No file to translate at '{Path.GetFullPath(o.TranslateFile!)}'.");
        using var saved = SavedModel.Open(o);
        var description = saved.Description;
        var source = new Vocabulary(description.SourceWords);
        var target = new Vocabulary(description.TargetWords);
        var (sourceUnits, targetUnits) = (description.SourceUnits(), description.TargetUnits());
        var lines = File.ReadAllLines(o.TranslateFile!).Select(l => l.Split('\t')[0]).ToList();
        for (int i = 0; i < lines.Count; i++)
            if (WordTokenizer.Tokenize(lines[i]).Length == 0) Console.Error.WriteLine($"note: line {i + 1} of {o.TranslateFile} holds no words; its translation is an empty line.");
        int unknown = lines.SelectMany(sourceUnits.Units).Count(w => !source.Contains(w));
        if (unknown > 0) Console.Error.WriteLine($"note: {unknown} {(sourceUnits.Bpe is null ? "word" : "subword")}(s) of the input are not in the model's English vocabulary; they read as <unk>.");
        BigramLanguageModel? lm = null;
        if (o.Mmi > 0)
        {
            // MMI's language model: French bigrams of the training side of the corpus, in the checkpoint's vocabulary.
            var (train, _) = Corpus(o);
            lm = new BigramLanguageModel(train.Select(p => target.Encode(targetUnits.Units(p.Target))), target.Count);
        }
        var translator = new Translator(saved.Model, source, target, sourceUnits, targetUnits) { Mmi = o.Mmi > 0 ? new MmiOptions(o.Mmi) : null, Lm = lm };
        var clock = Stopwatch.StartNew();
        bool live = !Console.IsErrorRedirected;
        var output = translator.Translate(lines, o.BeamOptions, n => { if (live) Console.Error.Write($"\r{n}/{lines.Count} lines"); });
        if (live) Console.Error.Write("\r");
        if (o.Output is { } path) AtomicFile.WriteText(path, string.Join("\n", output) + (output.Count > 0 ? "\n" : ""));
        else foreach (var line in output) Console.WriteLine(line);
        Console.Error.WriteLine($"Translated {lines.Count:N0} lines in {clock.Elapsed.TotalSeconds:F1} s ({Search(o.BeamOptions)}{(o.Mmi > 0 ? $", MMI λ {o.Mmi}" : "")})" +
                                $"{(o.Output is { } p2 ? $" into {Path.GetFullPath(p2)}" : "")}.");
        return 0;
    }
}
