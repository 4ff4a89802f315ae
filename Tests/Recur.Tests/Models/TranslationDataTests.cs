using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

using Recur.Examples.Tasks;

namespace Recur.Tests;

/// <summary>What the translator reads and how it is scored: tokenization, vocabularies, the validation split, bucketed batches,
/// scheduled sampling's schedules, and corpus BLEU against NLTK's.</summary>
public class TranslationDataTests
{
    /// <summary><paramref name="count"/> pairs of 1 to <paramref name="maxWords"/> words drawn from <c>w0</c>…<c>w{words − 1}</c>, on each side.</summary>
    internal static List<SentencePair> RandomPairs(int seed, int count, int maxWords, int words)
    {
        var rng = new Random(seed);
        string Words(int n) => string.Join(" ", Enumerable.Range(0, n).Select(_ => "w" + rng.Next(words)));
        return Enumerable.Range(0, count).Select(_ => new SentencePair(Words(rng.Next(1, maxWords + 1)), Words(rng.Next(1, maxWords + 1)))).ToList();
    }

    [Theory]
    [InlineData("Qu'est-ce que c'est ?", "qu ' est-ce que c ' est ?")]
    [InlineData("L’homme a 3 chiens, n'est-ce pas?", "l ' homme a 3 chiens , n ' est-ce pas ?")]
    [InlineData("  Tom's \"new\" car!  ", "tom ' s \" new \" car !")]
    [InlineData("Peut-être.", "peut-être .")]
    [InlineData("", "")]
    public void Words_and_marks_are_lower_cased_tokens_with_elision_split(string text, string tokens) =>
        Assert.Equal(tokens, string.Join(" ", WordTokenizer.Tokenize(text)));

    [Fact]
    public void Detokenized_text_reads_like_french() =>
        Assert.Equal("qu'est-ce que c'est ? l'homme, les chiens.", WordTokenizer.Detokenize(WordTokenizer.Tokenize("Qu'est-ce que c'est ? L'homme, les chiens.")));

    [Fact]
    public void A_vocabulary_holds_the_specials_then_words_by_frequency_and_reads_unseen_words_as_unknown()
    {
        var v = Vocabulary.Build(new[] { new[] { "b", "a", "a" }, new[] { "c", "b", "a" } }, minCount: 2);
        Assert.Equal(new[] { "<pad>", "<unk>", "<s>", "</s>", "a", "b" }, v.Words);
        Assert.Equal(new[] { 4, 5, Tokens.Unknown }, v.Encode(new[] { "a", "b", "c" }));
        Assert.Equal(new[] { "a", "b" }, v.Decode(new[] { 4, 5, Tokens.End, 4 }));
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => new Vocabulary(Tokens.Names.Append("a").Append("a").ToArray())).Message);
        Assert.Contains("special tokens", Assert.Throws<ArgumentException>(() => new Vocabulary(new[] { "a" })).Message);
    }

    [Fact]
    public void The_validation_split_holds_whole_source_sentences_with_all_their_translations()
    {
        var pairs = new[] { new SentencePair("a", "1"), new SentencePair("b", "2"), new SentencePair("a", "3"), new SentencePair("c", "4"), new SentencePair("c", "5") };
        var (train, validation) = ParallelCorpus.Split(pairs, 0.34);
        Assert.Equal(new[] { "1", "2", "3" }, train.Select(p => p.Target));
        Assert.Equal(new[] { "4", "5" }, validation.Select(p => p.Target));
        var data = new TranslationData(train, validation, minCount: 1);
        Assert.Equal(new[] { "4", "5" }, data.ValidationReferences().Single().References.Select(r => string.Join(" ", r)));
    }

    [Fact]
    public void A_corpus_file_with_a_bad_line_or_none_at_all_gets_a_clear_error()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "Hello.\tBonjour.\nno tab here\n");
            Assert.Contains(":2: expected 'source<TAB>target'", Assert.Throws<InvalidDataException>(() => ParallelCorpus.Load(path)).Message);
            File.WriteAllText(path, "\n\n");
            Assert.Contains("holds no sentence pairs", Assert.Throws<InvalidDataException>(() => ParallelCorpus.Load(path)).Message);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Contains("No sentence pairs at", Assert.Throws<FileNotFoundException>(() => ParallelCorpus.Load("/nonexistent/pairs.tsv")).Message);
    }

    [Fact]
    public void Batches_are_bucketed_by_length_padded_and_masked()
    {
        var pairs = RandomPairs(seed: 3, count: 200, maxWords: 8, words: 5);
        var data = new TranslationData(pairs, pairs.Take(5).ToList(), minCount: 1);
        var batches = data.Batches(16, epoch: 0);
        Assert.Equal(200, batches.Sum(b => b.Batch));
        Assert.Equal(data.Train.Sum(p => p.Target.Length + 1), batches.Sum(b => b.Tokens));
        // Bucketing: sources in a batch differ in length by little (200 pairs over 8 lengths, 16 per batch).
        Assert.True(batches.Average(b => b.SourceLengths.Max() - b.SourceLengths.Min()) < 1, "batches mix source lengths");
        foreach (var b in batches)
            for (int r = 0; r < b.Batch; r++)
            {
                for (int t = b.SourceLengths[r]; t < b.SourceSteps; t++) Assert.Equal(Tokens.Pad, b.Source[t * b.Batch + r]);
                Assert.Equal(Tokens.Start, b.TargetInputs[r]);
                int length = Enumerable.Range(0, b.TargetSteps).Count(t => b.TargetOutputs[t * b.Batch + r] >= 0);
                Assert.Equal(Tokens.End, b.TargetOutputs[(length - 1) * b.Batch + r]);
                for (int t = 1; t < length; t++) Assert.Equal(b.TargetOutputs[(t - 1) * b.Batch + r], b.TargetInputs[t * b.Batch + r]);
            }
        Assert.NotEqual(batches.Select(b => b.Source[0]), data.Batches(16, epoch: 1).Select(b => b.Source[0]));
    }

    [Fact]
    public void Scheduled_samplings_schedules_fall_as_bengio_et_al_give_them()
    {
        Assert.Equal(1, SamplingSchedule.None.TruthProbability(10_000));
        var linear = SamplingSchedule.Parse("linear:1:0.001:0.25");
        Assert.Equal(1, linear.TruthProbability(0));
        Assert.Equal(0.5, linear.TruthProbability(500), 12);
        Assert.Equal(0.25, linear.TruthProbability(5000));
        Assert.Equal(Math.Pow(0.99, 100), SamplingSchedule.Parse("exponential:0.99").TruthProbability(100), 12);
        var sigmoid = SamplingSchedule.Parse("sigmoid:100");
        Assert.Equal(100 / (100 + Math.Exp(3.0)), sigmoid.TruthProbability(300), 12);
        Assert.True(sigmoid.TruthProbability(0) > 0.99);
        Assert.Contains("not a number", Assert.Throws<ArgumentException>(() => SamplingSchedule.Parse("linear:x")).Message);
        Assert.Contains("K in (0, 1)", Assert.Throws<ArgumentException>(() => SamplingSchedule.Parse("exponential:1.5")).Message);
        Assert.Contains("not 'cosine'", Assert.Throws<ArgumentException>(() => SamplingSchedule.Parse("cosine")).Message);
    }

    [Fact]
    public void Corpus_bleu_matches_nltk_on_damaged_translations_with_several_references()
    {
        // Golden/bleu.json: Golden/make_bleu.py, NLTK 3.8's corpus_bleu.
        var golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "bleu.json"))).RootElement;
        string[] Tokens(JsonElement e) => e.EnumerateArray().Select(t => t.GetString()!).ToArray();
        var cases = golden.GetProperty("cases").EnumerateArray().ToList();
        var score = Bleu.Corpus(cases.Select(c => (IReadOnlyList<string>)Tokens(c.GetProperty("hypothesis"))).ToList(),
            cases.Select(c => (IReadOnlyList<IReadOnlyList<string>>)c.GetProperty("references").EnumerateArray().Select(r => (IReadOnlyList<string>)Tokens(r)).ToList()).ToList());
        Assert.Equal(golden.GetProperty("bleu").GetDouble(), score.Score, 12);
        Assert.True(score.BrevityPenalty < 1, "the golden corpus was meant to exercise the brevity penalty");
        // NLTK gives a tiny number instead of zero when an order has no match; without smoothing, BLEU is zero.
        Assert.True(golden.GetProperty("zero").GetDouble() < 1e-70);
        var zero = Bleu.Corpus(new[] { new[] { "le", "chat", "dort" } }, new[] { new[] { new[] { "le", "chat", "dort", "ici" } } });
        Assert.Equal(0, zero.Score);
        Assert.Equal(1, Bleu.Corpus(new[] { new[] { "a", "b", "c", "d" } }, new[] { new[] { new[] { "a", "b", "c", "d" } } }).Score);
        Assert.Contains("reference lists", Assert.Throws<ArgumentException>(() => Bleu.Corpus(new[] { new[] { "a" } }, Array.Empty<string[][]>())).Message);
    }

    [Fact]
    public void Ranks_shares_of_a_batch_average_to_the_whole_batchs_loss_and_gradient_even_when_uneven()
    {
        // 16 pairs over 3 ranks (5, 5 and 6 pairs, different token counts): the data-parallel average of the ranks' weighted losses
        // and gradients is the whole batch's mean, as one process computes it.
        var pairs = RandomPairs(seed: 4, count: 64, maxWords: 6, words: 6);
        var data = new TranslationData(pairs, pairs.Take(4).ToList(), minCount: 1);
        var device = TestDevices.Cpu;
        using var model = new Seq2Seq<float>(device, new Seq2SeqConfig(data.SourceVocabulary.Count, data.TargetVocabulary.Count, Embed: 8,
            EncoderHidden: 8, DecoderHidden: 12, Dropout: 0), seed: 2);
        (double Loss, float[] Grad) Pass(Shard shard)
        {
            var task = new TranslationTask(model, data, batch: 16, shard: shard);
            task.BeginEpoch(0);
            model.ZeroGrad();
            using var tape = new Tape(training: true);
            var loss = task.Prepare(new BatchRequest(0, 0))(tape);
            tape.Backward(loss.Objective);
            Assert.Equal(loss.Reported, loss.Objective.Item(), 5); // the objective is the reported share (no regularizers)
            return (loss.Reported, model.Parameters.SelectMany(p => (float[])p.Parameter.ReadGrad()).ToArray());
        }
        var whole = Pass(Shard.Whole);
        var parts = Enumerable.Range(0, 3).Select(r => Pass(new Shard(r, 3))).ToArray();
        Assert.Equal(whole.Loss, parts.Average(p => p.Loss), 5);
        for (int i = 0; i < whole.Grad.Length; i++)
        {
            double mean = parts.Average(p => (double)p.Grad[i]);
            Assert.True(Math.Abs(mean - whole.Grad[i]) <= 1e-5 * Math.Max(1, Math.Abs(whole.Grad[i])), $"gradient [{i}]: ranks' mean {mean:R}, whole batch {whole.Grad[i]:R}");
        }
    }
}
