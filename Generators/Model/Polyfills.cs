// Records and init-only setters on netstandard2.0, which Roslyn components must target.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit { }
}
