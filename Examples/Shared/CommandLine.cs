using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Recur.Examples;

/// <summary>What the examples' command lines share (compiled into each example): options with a default and a check whose message
/// names the option, what it takes and what it got; and the run around the parsed command line, where a usage mistake or a bad
/// input exits with code 2 and a message instead of a stack trace.</summary>
internal static class CommandLine
{
    /// <summary>Parses <paramref name="args"/>, runs --help or --version when asked, else <paramref name="run"/>.</summary>
    public static int Run(RootCommand root, string[] args, Func<ParseResult, int> run)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) Console.Error.WriteLine("error: " + e.Message);
            Console.Error.WriteLine("Run with --help to see the options.");
            return 2;
        }
        // The root command has no action of its own: an action here is --help's or --version's.
        if (parsed.Action is not null) return parsed.Invoke();
        try
        {
            return run(parsed);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or InvalidOperationException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 2;
        }
    }

    /// <summary>The shipped data file <c>Examples/data/<paramref name="file"/></c>, looked for above the working folder and the
    /// program's own; a clear error naming the option to use when it is in neither.</summary>
    public static string FindShippedData(string file)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, "Examples", "data", file);
                if (File.Exists(candidate)) return candidate;
            }
        throw new FileNotFoundException($"Examples/data/{file} was not found; pass --data FILE.");
    }

    public static Option<int> Whole(string name, string description, int fallback, int min = 1) => new(name)
    {
        Description = $"{description} (default {fallback})",
        DefaultValueFactory = _ => fallback,
        CustomParser = r => Parse(r, name, $"a whole number ≥ {min}", (string text, out int v) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out v) && v >= min),
    };

    public static Option<double> Number(string name, string description, double fallback, Func<double, bool> valid, string what) => new(name)
    {
        Description = $"{description} (default {fallback.ToString(CultureInfo.InvariantCulture)})",
        DefaultValueFactory = _ => fallback,
        CustomParser = r => Parse(r, name, what, (string text, out double v) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out v) && double.IsFinite(v) && valid(v)),
    };

    public static Option<double?> Minutes(string description) => new("--minutes")
    {
        Description = description,
        CustomParser = r => Parse<double?>(r, "--minutes", "a positive number", (string text, out double? v) => (v = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m > 0 && double.IsFinite(m) ? m : null) is not null),
    };

    public static Option<int?> Steps() => new("--steps")
    {
        Description = "training budget in steps",
        CustomParser = r => Parse<int?>(r, "--steps", "a whole number ≥ 1", (string text, out int? v) => (v = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) && s >= 1 ? s : null) is not null),
    };

    /// <summary><c>--curriculum N</c>: a competence-based curriculum over N updates (0: none), <paramref name="easy"/> saying what is easy.</summary>
    public static Option<int> CurriculumSteps(string easy) =>
        Whole("--curriculum", $"updates over which a curriculum widens from the easiest fifth of the data ({easy}) to all of it (0: none)", 0, min: 0);

    /// <summary>The curriculum <c>--curriculum N</c> asks for (null for 0).</summary>
    public static Curriculum? Curriculum(int steps) => steps > 0 ? new Curriculum(steps) : null;

    /// <summary><c>--load-ahead</c>: prepare the next batch on another thread while the step trains (default true).</summary>
    public static Option<bool> LoadAhead() => new("--load-ahead")
    {
        Description = "prepare the next batch on another thread while a step trains (default true; --load-ahead false prepares it in the step)",
        DefaultValueFactory = _ => true,
    };

    public delegate bool TryParse<T>(string text, out T value);

    /// <summary>The option's one value, or an error naming the option, what it takes and what it got.</summary>
    public static T Parse<T>(ArgumentResult r, string name, string what, TryParse<T> tryParse)
    {
        var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
        if (tryParse(text, out var value)) return value;
        r.AddError($"{name} takes {what}, not '{text}'.");
        return default!;
    }

    public static Option<string> Choice(string name, string description, string fallback, string[] allowed, bool ignoreCase = false)
    {
        var o = new Option<string>(name) { Description = $"{description} (default {fallback})", DefaultValueFactory = _ => fallback, HelpName = string.Join("|", allowed) };
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        o.Validators.Add(r =>
        {
            var v = r.GetValueOrDefault<string>();
            if (!allowed.Any(a => string.Equals(a, v, comparison))) r.AddError($"{name} takes one of {string.Join(", ", allowed)}, not '{v}'.");
        });
        return o;
    }
}
