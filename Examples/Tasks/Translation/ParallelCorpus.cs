using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Recur.Examples.Tasks;

/// <summary>A sentence and its translation, as read from the corpus.</summary>
/// <param name="Source">The sentence.</param>
/// <param name="Target">Its translation.</param>
public sealed record SentencePair(string Source, string Target);

/// <summary>Sentence pairs from a tab-separated file (<c>source&lt;TAB&gt;target</c>, further columns such as an attribution ignored).</summary>
public static class ParallelCorpus
{
    /// <summary>Reads <c>source&lt;TAB&gt;target</c> lines from <paramref name="path"/>; a clear error naming the file and line when one has no tab or an empty side.</summary>
    public static List<SentencePair> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No sentence pairs at '{Path.GetFullPath(path)}'.", path);
        var pairs = new List<SentencePair>();
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (text.Trim().Length == 0) continue;
            var cols = text.Split('\t');
            if (cols.Length < 2 || cols[0].Trim().Length == 0 || cols[1].Trim().Length == 0)
                throw new InvalidDataException($"{path}:{line}: expected 'source<TAB>target', got '{(text.Length > 60 ? text[..60] + "…" : text)}'.");
            pairs.Add(new SentencePair(cols[0].Trim(), cols[1].Trim()));
        }
        if (pairs.Count == 0) throw new InvalidDataException($"'{path}' holds no sentence pairs.");
        return pairs;
    }

    /// <summary>Holds out the pairs of the last <paramref name="fraction"/> of distinct source sentences (in file order; the file is
    /// shuffled): a sentence and all its translations are on one side, so validation sentences are never seen in training, and each
    /// has every translation the corpus gives as references.</summary>
    public static (List<SentencePair> Train, List<SentencePair> Validation) Split(IReadOnlyList<SentencePair> pairs, double fraction)
    {
        if (!(fraction > 0 && fraction < 1)) throw new ArgumentOutOfRangeException(nameof(fraction), $"The validation fraction is in (0, 1), not {fraction}.");
        var sources = pairs.Select(p => p.Source).Distinct().ToList();
        int held = Math.Max(1, (int)Math.Round(sources.Count * fraction));
        var validation = new HashSet<string>(sources.Skip(sources.Count - held));
        return (pairs.Where(p => !validation.Contains(p.Source)).ToList(), pairs.Where(p => validation.Contains(p.Source)).ToList());
    }
}

/// <summary>A batch of encoded pairs, time-major and padded: source ids [S·B] with lengths, target inputs [T·B] (<c>&lt;s&gt;</c> then
/// the sentence) and outputs [T·B] (the sentence then <c>&lt;/s&gt;</c>, -1 on padding).</summary>
/// <param name="Source">Source ids [S·B], time-major.</param>
/// <param name="SourceSteps">S, the longest source.</param>
/// <param name="SourceLengths">Each source's length.</param>
/// <param name="TargetInputs">Decoder inputs [T·B].</param>
/// <param name="TargetOutputs">Expected outputs [T·B], -1 on padding.</param>
/// <param name="TargetSteps">T, the longest target plus one.</param>
/// <param name="Batch">B, the number of pairs.</param>
public sealed record TranslationBatch(int[] Source, int SourceSteps, int[] SourceLengths, int[] TargetInputs, int[] TargetOutputs, int TargetSteps, int Batch)
{
    /// <summary>The number of target tokens the loss counts (padding excluded).</summary>
    public int Tokens => TargetOutputs.Count(t => t >= 0);

    /// <summary>Rows [start, start + count) as a batch of their own, laid out the same way (padded to this batch's steps).</summary>
    public TranslationBatch Rows(int start, int count)
    {
        if (start < 0 || count < 1 || start + count > Batch)
            throw new ArgumentOutOfRangeException(nameof(count), $"Rows {start}..{start + count - 1} are not within the batch's {Batch}.");
        int[] Take(int[] timeMajor, int steps)
        {
            var part = new int[steps * count];
            for (int t = 0; t < steps; t++) Array.Copy(timeMajor, t * Batch + start, part, t * count, count);
            return part;
        }
        return new TranslationBatch(Take(Source, SourceSteps), SourceSteps, SourceLengths[start..(start + count)], Take(TargetInputs, TargetSteps),
            Take(TargetOutputs, TargetSteps), TargetSteps, count);
    }

    /// <summary>Pads and lays out <paramref name="pairs"/> time-major as one batch.</summary>
    public static TranslationBatch Make(IReadOnlyList<(int[] Source, int[] Target)> pairs)
    {
        int b = pairs.Count, s = pairs.Max(p => p.Source.Length), t = pairs.Max(p => p.Target.Length) + 1;
        var source = new int[s * b];
        var inputs = new int[t * b];
        var outputs = Enumerable.Repeat(-1, t * b).ToArray();
        for (int r = 0; r < b; r++)
        {
            var (src, tgt) = pairs[r];
            for (int k = 0; k < src.Length; k++) source[k * b + r] = src[k];
            inputs[r] = Recur.Tokens.Start;
            for (int k = 0; k < tgt.Length; k++)
            {
                inputs[(k + 1) * b + r] = tgt[k];
                outputs[k * b + r] = tgt[k];
            }
            outputs[tgt.Length * b + r] = Recur.Tokens.End;
        }
        return new TranslationBatch(source, s, pairs.Select(p => p.Source.Length).ToArray(), inputs, outputs, t, b);
    }
}

/// <summary>A corpus ready for training: vocabularies from the training side and every pair encoded. Batches are bucketed by length
/// (pairs of one source length, then target length, together) so padding stays small, and come in a new order every epoch.</summary>
public sealed class TranslationData
{
    /// <summary>Tokenizes and encodes <paramref name="train"/> and <paramref name="validation"/> into the units of <paramref name="sourceUnits"/>
    /// and <paramref name="targetUnits"/> (null: words); vocabularies are built from the training side unless given (units seen fewer
    /// than <paramref name="minCount"/> times become &lt;unk&gt;); sentences are cut to <paramref name="maxLength"/> units.</summary>
    public TranslationData(IReadOnlyList<SentencePair> train, IReadOnlyList<SentencePair> validation, Vocabulary? source = null, Vocabulary? target = null, int minCount = 2, int maxLength = 50,
        Segmenter? sourceUnits = null, Segmenter? targetUnits = null)
    {
        if (train.Count == 0) throw new ArgumentException("There are no training pairs.", nameof(train));
        SourceUnits = sourceUnits ?? Segmenter.ByWords;
        TargetUnits = targetUnits ?? Segmenter.ByWords;
        // Each training sentence tokenized once: its words give the units and, for subwords, the letters the vocabulary keeps.
        var trainWords = train.Select(p => (Source: WordTokenizer.Tokenize(p.Source), Target: WordTokenizer.Tokenize(p.Target))).ToList();
        var trainTokens = trainWords.Select(p => (SourceUnits.Units(p.Source), TargetUnits.Units(p.Target))).Where(p => p.Item1.Length > 0 && p.Item2.Length > 0).ToList();
        SourceVocabulary = source ?? Vocabulary.Build(trainTokens.Select(p => p.Item1), minCount, SourceUnits.Letters(trainWords.SelectMany(p => p.Source), minCount));
        TargetVocabulary = target ?? Vocabulary.Build(trainTokens.Select(p => p.Item2), minCount, TargetUnits.Letters(trainWords.SelectMany(p => p.Target), minCount));
        int[] Clip(int[] ids) => ids.Length > maxLength ? ids[..maxLength] : ids;
        Train = trainTokens.Select(p => (Clip(SourceVocabulary.Encode(p.Item1)), Clip(TargetVocabulary.Encode(p.Item2)))).ToList();
        ValidationPairs = validation.ToList();
        Validation = validation.Select(p => (Clip(SourceVocabulary.Encode(SourceUnits.Units(p.Source))), Clip(TargetVocabulary.Encode(TargetUnits.Units(p.Target)))))
            .Where(p => p.Item1.Length > 0 && p.Item2.Length > 0).ToList();
    }

    /// <summary>How source text becomes units.</summary>
    public Segmenter SourceUnits { get; }
    /// <summary>How target text becomes units, and units words.</summary>
    public Segmenter TargetUnits { get; }
    /// <summary>The source-side vocabulary.</summary>
    public Vocabulary SourceVocabulary { get; }
    /// <summary>The target-side vocabulary.</summary>
    public Vocabulary TargetVocabulary { get; }
    /// <summary>The encoded training pairs.</summary>
    public List<(int[] Source, int[] Target)> Train { get; }
    /// <summary>The encoded validation pairs.</summary>
    public List<(int[] Source, int[] Target)> Validation { get; }
    /// <summary>The validation pairs as text.</summary>
    public List<SentencePair> ValidationPairs { get; }

    /// <summary>The validation split as BLEU scores it: each distinct source sentence once (first-seen order), encoded, with every
    /// translation the corpus gives it as references in words (whatever units the model writes).</summary>
    public List<(string Source, int[] Ids, List<string[]> References)> ValidationReferences() =>
        ValidationPairs.GroupBy(p => p.Source).Select(g => (g.Key, SourceVocabulary.Encode(SourceUnits.Units(g.Key)),
            g.Select(p => WordTokenizer.Tokenize(p.Target)).Where(t => t.Length > 0).ToList()))
            .Where(v => v.Item2.Length > 0 && v.Item3.Count > 0).ToList();

    /// <summary>The training batches of an epoch: sorted by (source length, target length, a random key from the epoch), cut into
    /// batches, batches shuffled.</summary>
    public List<TranslationBatch> Batches(int batchSize, int epoch) => Bucket(Train, batchSize, new Rng((ulong)epoch * 7919 + 3), shuffle: true);

    /// <summary>A batch of <paramref name="batchSize"/> training pairs from the easiest <paramref name="competence"/> of the corpus (at
    /// least one batch's worth): the shortest pairs by source, then target length, as in Platanios et al. (2019). The batch is a run of
    /// neighbours in that order starting where <paramref name="rng"/> says, so its pairs are of about one length and padding stays
    /// small, as in the bucketed batches; pairs drawn at random from the whole easy part would pad every batch to its longest.</summary>
    public TranslationBatch Easiest(double competence, int batchSize, Rng rng)
    {
        if (!(competence > 0 && competence <= 1)) throw new ArgumentOutOfRangeException(nameof(competence), $"Competence is in (0, 1], not {competence}.");
        _byLength ??= Enumerable.Range(0, Train.Count).OrderBy(i => Train[i].Source.Length).ThenBy(i => Train[i].Target.Length).ThenBy(i => i).ToArray();
        int pool = Math.Min(Train.Count, Math.Max(batchSize, (int)Math.Ceiling(competence * Train.Count)));
        int size = Math.Min(batchSize, pool), start = rng.Next(pool - size + 1);
        return TranslationBatch.Make(new ArraySegment<int>(_byLength, start, size).Select(i => Train[i]).ToList());
    }

    private int[]? _byLength;

    /// <summary>The validation pairs in batches of similar source length, in a fixed order.</summary>
    public List<TranslationBatch> ValidationBatches(int batchSize) => Bucket(Validation, batchSize, new Rng(1), shuffle: false);

    private static List<TranslationBatch> Bucket(List<(int[] Source, int[] Target)> pairs, int batchSize, Rng rng, bool shuffle)
    {
        var keys = pairs.Select(_ => rng.NextDouble()).ToArray();
        var order = Enumerable.Range(0, pairs.Count).OrderBy(i => pairs[i].Source.Length).ThenBy(i => pairs[i].Target.Length).ThenBy(i => keys[i]).ToList();
        var batches = order.Chunk(batchSize).Select(c => TranslationBatch.Make(c.Select(i => pairs[i]).ToList())).ToList();
        if (shuffle)
            for (int i = batches.Count - 1; i > 0; i--)
            {
                int j = (int)(rng.NextDouble() * (i + 1));
                (batches[i], batches[j]) = (batches[j], batches[i]);
            }
        return batches;
    }
}
