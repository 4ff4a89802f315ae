using System.Text;

namespace Recur.Generators.Emit;

/// <summary>A tiny indented text writer, so emitters never build indentation by hand.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _sb = new();
    private int _indent;

    public SourceWriter Line(string text = "")
    {
        if (text.Length == 0) { _sb.Append('\n'); return this; }
        _sb.Append(' ', _indent * 4).Append(text).Append('\n');
        return this;
    }

    public SourceWriter Open(string header)
    {
        if (header.Length > 0) Line(header);
        Line("{");
        _indent++;
        return this;
    }

    public SourceWriter Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
        return this;
    }

    public override string ToString() => _sb.ToString();
}
