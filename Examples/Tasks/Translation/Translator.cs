using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur.Examples.Tasks;

/// <summary>Sentences in, sentences out: tokenizes with <see cref="WordTokenizer"/> into the source's units (words or subwords), reads
/// unseen units as &lt;unk&gt;, decodes in batches of similar length (greedy, or beam search with optional MMI reranking of each
/// n-best list), joins the target's units into words and detokenizes. An empty or unreadable line (no word or mark in it) translates
/// to an empty line.</summary>
public sealed class Translator
{
    private readonly Seq2SeqDecoder<float> _decoder;

    /// <summary>Translates with <paramref name="model"/>, reading units through <paramref name="source"/> and writing them through
    /// <paramref name="target"/>, the units those of <paramref name="sourceUnits"/> and <paramref name="targetUnits"/> (null: words).</summary>
    public Translator(Seq2Seq<float> model, Vocabulary source, Vocabulary target, Segmenter? sourceUnits = null, Segmenter? targetUnits = null)
    {
        if (model.Config.SourceVocab != source.Count || model.Config.TargetVocab != target.Count)
            throw new ArgumentException($"The model's vocabularies ({model.Config.SourceVocab}, {model.Config.TargetVocab}) are not the given ones ({source.Count}, {target.Count}).");
        Model = model;
        Source = source;
        Target = target;
        SourceUnits = sourceUnits ?? Segmenter.ByWords;
        TargetUnits = targetUnits ?? Segmenter.ByWords;
        _decoder = new Seq2SeqDecoder<float>(model);
    }

    /// <summary>The model.</summary>
    public Seq2Seq<float> Model { get; }
    /// <summary>The source vocabulary.</summary>
    public Vocabulary Source { get; }
    /// <summary>The target vocabulary.</summary>
    public Vocabulary Target { get; }
    /// <summary>How source text becomes units.</summary>
    public Segmenter SourceUnits { get; }
    /// <summary>How the target's units become words.</summary>
    public Segmenter TargetUnits { get; }

    /// <summary>Sources decoded together (beam search runs width × this many rows).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Reranks each n-best list by MMI-antiLM when set (with <see cref="Lm"/>).</summary>
    public MmiOptions? Mmi { get; init; }
    /// <summary>A target-side language model for MMI reranking of beam search's n-best list (with <see cref="Mmi"/>); null: no reranking.</summary>
    public ITokenLanguageModel? Lm { get; init; }

    /// <summary>Words of each sentence's translation; <paramref name="beam"/> null: greedy.</summary>
    public List<string[]> TranslateTokens(IReadOnlyList<string> sentences, BeamOptions? beam = null, Action<int>? progress = null) =>
        TranslateIds(sentences.Select(s => Source.Encode(SourceUnits.Units(s))).ToList(), beam, progress);

    /// <summary>Translates each sentence into one detokenized line (greedy, or beam search with <paramref name="beam"/>); <paramref name="progress"/> hears how many are done.</summary>
    public List<string> Translate(IReadOnlyList<string> sentences, BeamOptions? beam = null, Action<int>? progress = null) =>
        TranslateTokens(sentences, beam, progress).Select(WordTokenizer.Detokenize).ToList();

    /// <summary>Translations of encoded sources in words, batched by length (the results in the given order).</summary>
    public List<string[]> TranslateIds(IReadOnlyList<int[]> sources, BeamOptions? beam = null, Action<int>? progress = null)
    {
        if (Mmi is not null && (Lm is null || beam is null)) throw new InvalidOperationException("MMI reranking needs a language model (Lm) and beam search.");
        var result = new string[sources.Count][];
        var order = Enumerable.Range(0, sources.Count).Where(i => sources[i].Length > 0).OrderBy(i => sources[i].Length).ToList();
        for (int i = 0; i < sources.Count; i++)
            if (sources[i].Length == 0) result[i] = Array.Empty<string>();
        int done = sources.Count - order.Count;
        foreach (var chunk in order.Chunk(BatchSize))
        {
            var batch = chunk.Select(i => sources[i]).ToList();
            List<int[]> outputs = beam is null ? _decoder.Greedy(batch)
                : _decoder.Beam(batch, Mmi is null ? beam : beam with { NBest = beam.Width }).Select(Best).ToList();
            for (int k = 0; k < chunk.Length; k++) result[chunk[k]] = TargetUnits.Words(Target.Decode(outputs[k]));
            done += chunk.Length;
            progress?.Invoke(done);
        }
        return result.ToList();
    }

    private int[] Best(List<Hypothesis> nbest) =>
        nbest.Count == 0 ? Array.Empty<int>()
        : Mmi is { } mmi ? MmiReranker.Rerank(nbest, Lm!, mmi)[0].Hypothesis.Tokens
        : nbest[0].Tokens;

    /// <summary>Corpus BLEU of the translations of <paramref name="references"/>' sources against all their references.</summary>
    public BleuScore Bleu(IReadOnlyList<(string Source, int[] Ids, List<string[]> References)> references, BeamOptions? beam = null, Action<int>? progress = null)
    {
        var hypotheses = TranslateIds(references.Select(r => r.Ids).ToList(), beam, progress);
        return Recur.Bleu.Corpus(hypotheses, references.Select(r => (IReadOnlyList<IReadOnlyList<string>>)r.References).ToList());
    }
}
