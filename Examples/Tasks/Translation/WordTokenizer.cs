using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace Recur.Examples.Tasks;

/// <summary>Lower-cased words and punctuation marks: a word is a run of letters and digits, hyphens inside it included
/// (<c>peut-être</c>, <c>est-ce</c>); every other mark is its own token, and so is an apostrophe (' ’ ‘ are one), which splits French
/// elision: <c>l'homme</c> → <c>l ' homme</c>, <c>qu'est-ce</c> → <c>qu ' est-ce</c>.</summary>
public static partial class WordTokenizer
{
    [GeneratedRegex(@"[^\W_]+(?:-[^\W_]+)*|[^\w\s]")]
    private static partial Regex Token();

    /// <summary>Lower-cased words and punctuation marks of <paramref name="text"/>, each apostrophe its own token (see the class).</summary>
    public static string[] Tokenize(string text) =>
        Token().Matches(text.ToLowerInvariant().Replace('’', '\'').Replace('‘', '\'')).Select(m => m.Value).ToArray();

    /// <summary>Tokens as readable text: no space around apostrophes, none before <c>. , ) »</c>… closing marks, French spacing before
    /// <c>! ? : ;</c>.</summary>
    public static string Detokenize(IEnumerable<string> tokens)
    {
        var sb = new StringBuilder();
        string? previous = null;
        foreach (var t in tokens)
        {
            bool glue = previous is null or "'" or "(" || t is "'" or "." or "," or ")" or "…";
            if (!glue) sb.Append(' ');
            sb.Append(t);
            previous = t;
        }
        return sb.ToString();
    }
}
