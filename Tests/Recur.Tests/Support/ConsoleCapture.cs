using System;
using System.IO;

namespace Recur.Tests;

/// <summary>Runs an example's Main in this process with standard output and error captured.</summary>
internal static class ConsoleCapture
{
    public static (int Code, string Out, string Err) Run(Func<string[], int> main, string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        using var o = new StringWriter();
        using var e = new StringWriter();
        Console.SetOut(o);
        Console.SetError(e);
        try { return (main(args), o.ToString(), e.ToString()); }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }
}
