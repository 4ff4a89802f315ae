using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Xunit;

using Recur.Examples.Tasks;

namespace Recur.Tests;

/// <summary>Byte-pair subwords and the curriculum's easiest pairs: merges learned by frequency, words split and joined exactly,
/// unseen words spelled from known pieces, units kept by a checkpoint, and the easy batches drawn from the shortest pairs.</summary>
public class SubwordTests
{
    [Fact]
    public void Merges_are_learned_most_frequent_pair_first_and_words_split_by_the_earliest_merge()
    {
        // The words of Sennrich et al.'s example: low ×5, lower ×2, newest ×6, widest ×3. Pairs: e s 9 and s t</w> 9 (the tie goes
        // to the pair that sorts first), then es t</w> 9, l o 7, then e w, n e and w est</w> 6 each, then ew est</w> 6.
        var sentences = Enumerable.Repeat(new[] { "low" }, 5).Concat(Enumerable.Repeat(new[] { "lower" }, 2))
            .Concat(Enumerable.Repeat(new[] { "newest" }, 6)).Concat(Enumerable.Repeat(new[] { "widest" }, 3));
        var bpe = BytePairEncoding.Learn(sentences, 5);
        Assert.Equal(new[] { ("e", "s"), ("es", "t</w>"), ("l", "o"), ("e", "w"), ("ew", "est</w>") }, bpe.Merges);
        Assert.Equal(new[] { "n@@", "ewest" }, bpe.Split(new[] { "newest" }));
        // A word never seen is spelled from the pieces.
        Assert.Equal(new[] { "lo@@", "w@@", "est" }, bpe.Split(new[] { "lowest" }));
        Assert.Equal(new[] { "lowest", "low" }, BytePairEncoding.Join(bpe.Split(new[] { "lowest", "low" })));
    }

    [Fact]
    public void Splitting_then_joining_gives_back_every_word_of_a_french_corpus()
    {
        var french = new[] { "je lis un livre .", "elle lisait des livres .", "nous lirons demain .", "l ' homme mange une pomme ." };
        var tokens = french.Select(WordTokenizer.Tokenize).ToList();
        var bpe = BytePairEncoding.Learn(tokens, 30);
        foreach (var words in tokens.Append(WordTokenizer.Tokenize("Ils liront peut-être des pommes ?")))
            Assert.Equal(words, BytePairEncoding.Join(bpe.Split(words)));
        // Learning stops when no pair occurs twice, however many merges were asked for.
        Assert.True(BytePairEncoding.Learn(tokens, 100_000).Merges.Count < 100);
        Assert.Throws<ArgumentOutOfRangeException>(() => BytePairEncoding.Learn(tokens, 0));
    }

    [Fact]
    public void Subword_data_has_no_unknown_target_units_for_unseen_words_and_a_checkpoint_keeps_its_merges()
    {
        var train = new[] { ("I read.", "je lis ."), ("She reads.", "elle lit ."), ("We read books.", "nous lisons des livres ."), ("He reads a book.", "il lit un livre .") }
            .Select(p => new SentencePair(p.Item1, p.Item2)).ToList();
        var units = Segmenter.BySubwords(BytePairEncoding.Learn(train.Select(p => WordTokenizer.Tokenize(p.Target)), 20));
        var data = new TranslationData(train, train.Take(1).ToList(), minCount: 1, targetUnits: units);
        // "lisent" never occurs, yet it is spelled from known pieces.
        Assert.DoesNotContain(Tokens.Unknown, data.TargetVocabulary.Encode(units.Units("elles lisent")));
        var words = Segmenter.ByWords;
        var wordData = new TranslationData(train, train.Take(1).ToList(), minCount: 1);
        Assert.Contains(Tokens.Unknown, wordData.TargetVocabulary.Encode(words.Units("elles lisent")));

        var merges = units.Save();
        var back = Segmenter.Load(merges);
        Assert.Equal(units.Bpe!.Merges, back.Bpe!.Merges);
        Assert.Null(Segmenter.Load(null).Bpe);
        Assert.Contains("two symbols", Assert.Throws<System.IO.InvalidDataException>(() => Segmenter.Load(new[] { "abc" })).Message);
    }

    [Fact]
    public void The_easiest_batches_hold_the_shortest_pairs_and_widen_to_all()
    {
        var rng = new Random(5);
        string Words(int n) => string.Join(" ", Enumerable.Range(0, n).Select(_ => "w" + rng.Next(5)));
        // Each source starts with a word of its own, so that pairs drawn twice would show.
        var pairs = Enumerable.Range(0, 400).Select(i => new SentencePair($"p{i} " + Words(rng.Next(0, 20)), Words(rng.Next(1, 21)))).ToList();
        var data = new TranslationData(pairs, pairs.Take(5).ToList(), minCount: 1);
        int shortest = data.Train.Select(p => p.Source.Length).OrderBy(l => l).ElementAt(39);
        var easy = data.Easiest(0.1, 16, new Rng(3));
        Assert.Equal(16, easy.Batch);
        Assert.All(easy.SourceLengths, l => Assert.True(l <= shortest, $"a source of {l} words among the easiest tenth (at most {shortest})"));
        // Sixteen different pairs of about one length (a run of neighbours in length order).
        Assert.True(easy.SourceLengths.Max() - easy.SourceLengths.Min() <= 2, string.Join(",", easy.SourceLengths));
        var drawn = Enumerable.Range(0, 16).Select(r => string.Join(",", Enumerable.Range(0, easy.SourceSteps).Select(t => easy.Source[t * 16 + r]))).ToList();
        Assert.Equal(16, drawn.Distinct().Count());
        var all = Enumerable.Range(0, 50).SelectMany(k => data.Easiest(1, 16, new Rng((ulong)k)).SourceLengths).ToList();
        Assert.True(all.Max() > shortest, "at full competence the batches draw from every length");
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Easiest(0, 16, new Rng(1)));
    }

    [Fact]
    public void A_translation_task_below_full_competence_trains_on_the_easiest_pairs()
    {
        var pairs = TranslationDataTests.RandomPairs(seed: 7, count: 120, maxWords: 14, words: 5);
        var data = new TranslationData(pairs, pairs.Take(5).ToList(), minCount: 1);
        using var model = new Seq2Seq<float>(TestDevices.Cpu, new Seq2SeqConfig(data.SourceVocabulary.Count, data.TargetVocabulary.Count, "Gru", "bahdanau", 4, 4, 6), seed: 1);
        var task = new TranslationTask(model, data, batch: 8);
        int Tokens(double competence)
        {
            using var tape = new Tape(training: true);
            return task.Prepare(new BatchRequest(0, 0, competence))(tape).Tokens;
        }
        // At competence 0.05 the pool is one batch's worth, the 8 shortest pairs: the batch is those 8.
        int easiest = Enumerable.Range(0, data.Train.Count).OrderBy(i => data.Train[i].Source.Length).ThenBy(i => data.Train[i].Target.Length).ThenBy(i => i)
            .Take(8).Sum(i => data.Train[i].Target.Length + 1);
        Assert.Equal(easiest, Tokens(0.05));
        Assert.Equal(data.Batches(8, 0)[0].Tokens, Tokens(1));
    }

    [Fact]
    public void A_character_task_below_full_competence_trains_on_short_segments_from_a_zero_state()
    {
        var text = string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 40));
        var data = new CharData(text);
        using var model = new CharModel(TestDevices.Cpu, new CharModelConfig("Lstm", data.Vocabulary.Length, 4, 12, 1, 0f), seed: 3);
        using var task = new CharTask(model, data, seq: 40, batch: 4);
        task.BeginEpoch(0);
        int Targets(double competence)
        {
            using var tape = new Tape(training: true);
            return task.Prepare(new BatchRequest(0, 1, competence))(tape).Tokens;
        }
        Assert.Equal(40 * 4, Targets(1));
        Assert.NotEmpty(task.SaveState());
        Assert.Equal(20 * 4, Targets(0.5));
        // A short segment does not carry its state into the next window.
        Assert.Empty(task.SaveState());
        Assert.Equal(8 * 4, Targets(0.01));
        // Lengths go in tenths of --seq: 0.33 · 40 = 13.2 becomes 16.
        Assert.Equal(16 * 4, Targets(0.33));
    }
}
