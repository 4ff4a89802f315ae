using System;
using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Model;

namespace Recur.Generators.Model;

/// <summary>Builds step graphs: hash-conses nodes (equal expressions become one node), infers shapes,
/// and folds the trivial algebra that differentiation produces (x·1, x+0, −−x), so generated code stays lean.</summary>
internal sealed class GraphBuilder
{
    private readonly List<Node> _nodes = new();
    private readonly Dictionary<Node, int> _ids = new();
    // Dimensions that count a memory's positions: their size is a length per batch row.
    private readonly HashSet<string> _seqDims = new();

    public GraphBuilder() { }
    public GraphBuilder(IEnumerable<Node> nodes, IEnumerable<string> seqDims)
    {
        foreach (var n in nodes) Intern(n);
        foreach (var d in seqDims) _seqDims.Add(d);
    }

    public void AddSeqDim(string dim) => _seqDims.Add(dim);
    public bool IsSeqDim(string dim) => _seqDims.Contains(dim);

    public IReadOnlyList<Node> Nodes => _nodes;
    public Node this[int id] => _nodes[id];

    public int Intern(Node node)
    {
        if (_ids.TryGetValue(node, out var id)) return id;
        id = _nodes.Count;
        _nodes.Add(node);
        _ids[node] = id;
        return id;
    }

    public int Source(Op op, ShapeKind kind, string dim, int index) => Intern(new Node(op, kind, dim, EquatableArray<int>.Empty, index));
    public int Const(double value) => Intern(new Node(Op.Const, ShapeKind.Scalar, "", EquatableArray<int>.Empty, -1, value));
    /// <summary>The number of elements of <paramref name="dim"/>: its size, or for a memory's positions the row's own length.</summary>
    public int DimSize(string dim) => _seqDims.Contains(dim)
        ? Intern(new Node(Op.Length, ShapeKind.Row, dim, EquatableArray<int>.Empty))
        : Intern(new Node(Op.DimSize, ShapeKind.Scalar, dim, EquatableArray<int>.Empty));

    public bool IsConst(int id, double value) => _nodes[id].Op == Op.Const && _nodes[id].Value == value;

    public int Unary(Op op, int a)
    {
        var n = _nodes[a];
        if (op == Op.Neg)
        {
            if (n.Op == Op.Const) return Const(-n.Value);
            if (n.Op == Op.Neg) return n.Args[0];
        }
        return Intern(new Node(op, n.Kind, n.Dim, EquatableArray.Of(a), SeqDim: n.SeqDim));
    }

    public int Binary(Op op, int a, int b)
    {
        Node na = _nodes[a], nb = _nodes[b];
        if (na.Op == Op.Const && nb.Op == Op.Const)
        {
            double x = na.Value, y = nb.Value;
            return Const(op switch
            {
                Op.Add => x + y, Op.Sub => x - y, Op.Mul => x * y, Op.Div => x / y, Op.Min => Math.Min(x, y), Op.Max => Math.Max(x, y),
                _ => throw new ArgumentException(op.ToString()),
            });
        }
        switch (op)
        {
            case Op.Add:
                if (IsConst(a, 0)) return b;
                if (IsConst(b, 0)) return a;
                if (nb.Op == Op.Neg) return Binary(Op.Sub, a, nb.Args[0]);
                break;
            case Op.Sub:
                if (IsConst(b, 0)) return a;
                if (IsConst(a, 0)) return Unary(Op.Neg, b);
                if (nb.Op == Op.Neg) return Binary(Op.Add, a, nb.Args[0]);
                break;
            case Op.Mul:
                if (IsConst(a, 1)) return b;
                if (IsConst(b, 1)) return a;
                if (IsConst(a, -1)) return Unary(Op.Neg, b);
                if (IsConst(b, -1)) return Unary(Op.Neg, a);
                if (na.Op == Op.Neg) return Unary(Op.Neg, Binary(Op.Mul, na.Args[0], b));
                if (nb.Op == Op.Neg) return Unary(Op.Neg, Binary(Op.Mul, a, nb.Args[0]));
                break;
            case Op.Div:
                if (IsConst(b, 1)) return a;
                break;
        }
        var (kind, dim, seqDim) = Broadcast(na, nb);
        return Intern(new Node(op, kind, dim, EquatableArray.Of(a, b), SeqDim: seqDim));
    }

    /// <summary>Sum over the dimension <paramref name="dim"/> of a value. A value that is already the same for every
    /// element of the row (a row or scalar standing for a broadcast vector) sums to itself times the dimension's size.</summary>
    public int RowSum(int a, string dim) => SumOver(a, dim);

    /// <summary>Sum over dimension <paramref name="dim"/>: a vector's elements (a row value), a sequence's features (a vector over its
    /// positions) or its positions (a vector over its features). A value that does not change along the dimension sums to itself times
    /// the number of elements (for positions, the row's length).</summary>
    public int SumOver(int a, string dim)
    {
        var n = _nodes[a];
        if (!n.Spans(dim)) return Binary(Op.Mul, a, DimSize(dim));
        if (n.Op == Op.Neg) return Unary(Op.Neg, SumOver(n.Args[0], dim));
        if (n.Kind == ShapeKind.Vec) return Intern(new Node(Op.RowSum, ShapeKind.Row, "", EquatableArray.Of(a)));
        return n.Dim == dim
            ? Intern(new Node(Op.FeatureSum, ShapeKind.Vec, n.SeqDim, EquatableArray.Of(a)))
            : Intern(new Node(Op.PositionSum, ShapeKind.Vec, n.Dim, EquatableArray.Of(a)));
    }

    /// <summary>The dimensions a node changes along (none for a row or scalar value).</summary>
    public static IEnumerable<string> Axes(Node n) => n.Kind switch
    {
        ShapeKind.Vec => new[] { n.Dim },
        ShapeKind.Seq => new[] { n.SeqDim, n.Dim },
        _ => Array.Empty<string>(),
    };

    /// <summary>The largest element of a vector's row; a row or scalar value is its own maximum.</summary>
    public int RowMax(int a)
    {
        var n = _nodes[a];
        return n.Kind != ShapeKind.Vec ? a : Intern(new Node(Op.RowMax, ShapeKind.Row, "", EquatableArray.Of(a)));
    }

    /// <summary>The unit vector e_index of dimension <paramref name="dim"/>.</summary>
    public int OneHot(string dim, int index) => Intern(new Node(Op.OneHot, ShapeKind.Vec, dim, EquatableArray<int>.Empty, -1, index));

    /// <summary>The shape of an elementwise operation's result. A vector over a memory's positions and a vector over features make a
    /// sequence (an outer product, which attention's derivatives produce).</summary>
    public (ShapeKind Kind, string Dim, string SeqDim) Broadcast(Node a, Node b)
    {
        if (a.Kind == ShapeKind.Seq) return (ShapeKind.Seq, a.Dim, a.SeqDim);
        if (b.Kind == ShapeKind.Seq) return (ShapeKind.Seq, b.Dim, b.SeqDim);
        if (a.Kind == ShapeKind.Vec && b.Kind == ShapeKind.Vec && a.Dim != b.Dim)
        {
            if (_seqDims.Contains(a.Dim) && !_seqDims.Contains(b.Dim)) return (ShapeKind.Seq, b.Dim, a.Dim);
            if (_seqDims.Contains(b.Dim) && !_seqDims.Contains(a.Dim)) return (ShapeKind.Seq, a.Dim, b.Dim);
            throw new InvalidOperationException($"cannot combine Vec<{a.Dim}> with Vec<{b.Dim}>");
        }
        if (a.Kind == ShapeKind.Vec) return (ShapeKind.Vec, a.Dim, "");
        if (b.Kind == ShapeKind.Vec) return (ShapeKind.Vec, b.Dim, "");
        if (a.Kind == ShapeKind.Row || b.Kind == ShapeKind.Row) return (ShapeKind.Row, "", "");
        return (ShapeKind.Scalar, "", "");
    }

    /// <summary>Every node <paramref name="roots"/> depend on, roots included, in ascending (topological) order.</summary>
    public static List<int> Closure(IReadOnlyList<Node> nodes, IEnumerable<int> roots)
    {
        var seen = new HashSet<int>();
        var stack = new Stack<int>(roots);
        while (stack.Count > 0)
        {
            int id = stack.Pop();
            if (!seen.Add(id)) continue;
            foreach (var arg in nodes[id].Args) stack.Push(arg);
        }
        return seen.OrderBy(i => i).ToList();
    }
}
