using System;
using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Model;

namespace Recur.Generators.Check;

/// <summary>Builds step graphs: hash-conses nodes (equal expressions become one node), infers shapes,
/// and folds the trivial algebra that differentiation produces (x·1, x+0, −−x), so generated code stays lean.</summary>
internal sealed class GraphBuilder
{
    private readonly List<Node> _nodes = new();
    private readonly Dictionary<Node, int> _ids = new();

    public GraphBuilder() { }
    public GraphBuilder(IEnumerable<Node> nodes)
    {
        foreach (var n in nodes) Intern(n);
    }

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
    public int DimSize(string dim) => Intern(new Node(Op.DimSize, ShapeKind.Scalar, dim, EquatableArray<int>.Empty));

    public bool IsConst(int id, double value) => _nodes[id].Op == Op.Const && _nodes[id].Value == value;

    public int Unary(Op op, int a)
    {
        var n = _nodes[a];
        if (op == Op.Neg)
        {
            if (n.Op == Op.Const) return Const(-n.Value);
            if (n.Op == Op.Neg) return n.Args[0];
        }
        return Intern(new Node(op, n.Kind, n.Dim, EquatableArray.Of(a)));
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
        var (kind, dim) = Broadcast(na, nb);
        return Intern(new Node(op, kind, dim, EquatableArray.Of(a, b)));
    }

    /// <summary>Sum over the dimension <paramref name="dim"/> of a value. A value that is already the same for every
    /// element of the row (a row or scalar standing for a broadcast vector) sums to itself times the dimension's size.</summary>
    public int RowSum(int a, string dim)
    {
        var n = _nodes[a];
        if (n.Kind != ShapeKind.Vec) return Binary(Op.Mul, a, DimSize(dim));
        if (n.Op == Op.Neg) return Unary(Op.Neg, RowSum(n.Args[0], dim));
        return Intern(new Node(Op.RowSum, ShapeKind.Row, "", EquatableArray.Of(a)));
    }

    /// <summary>The largest element of a vector's row; a row or scalar value is its own maximum.</summary>
    public int RowMax(int a)
    {
        var n = _nodes[a];
        return n.Kind != ShapeKind.Vec ? a : Intern(new Node(Op.RowMax, ShapeKind.Row, "", EquatableArray.Of(a)));
    }

    /// <summary>The unit vector e_index of dimension <paramref name="dim"/>.</summary>
    public int OneHot(string dim, int index) => Intern(new Node(Op.OneHot, ShapeKind.Vec, dim, EquatableArray<int>.Empty, -1, index));

    public static (ShapeKind Kind, string Dim) Broadcast(Node a, Node b)
    {
        if (a.Kind == ShapeKind.Vec) return (ShapeKind.Vec, a.Dim);
        if (b.Kind == ShapeKind.Vec) return (ShapeKind.Vec, b.Dim);
        if (a.Kind == ShapeKind.Row || b.Kind == ShapeKind.Row) return (ShapeKind.Row, "");
        return (ShapeKind.Scalar, "");
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
