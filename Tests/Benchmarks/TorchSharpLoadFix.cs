using System;
using System.IO;
using System.Linq;
using System.Text;

namespace Recur.Benchmarks;

/// <summary>TorchSharp 0.107's glue library asks for GLIBCXX_3.4.32 (GCC 13's libstdc++), which Debian 12 lacks (it stops at 3.4.30),
/// so it fails to load. The only symbol bound to that version is <c>std::ios_base_library_init</c>, a link-time marker that is never
/// called. Marking that one version need weak (VER_FLG_WEAK in its .gnu.version_r entry) in the build output's copy makes it load.
/// Done only when the system libstdc++ lacks the version; the library in the NuGet cache is never touched.</summary>
internal static class TorchSharpLoadFix
{
    private const string Needed = "GLIBCXX_3.4.32";
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    public static string Apply()
    {
        if (!OperatingSystem.IsLinux()) return "TorchSharp load fix: not Linux, nothing to do";
        var glue = new[] { Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"), Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so") }
            .FirstOrDefault(File.Exists);
        if (glue is null) return "TorchSharp load fix: libLibTorchSharp.so not found next to the benchmark";
        var libstdcxx = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }.FirstOrDefault(File.Exists);
        if (libstdcxx is not null && Contains(File.ReadAllBytes(libstdcxx), Needed))
            return $"TorchSharp load fix: not needed ({libstdcxx} has {Needed})";
        var bytes = File.ReadAllBytes(glue);
        int patched = MarkWeak(bytes, Needed);
        if (patched < 0) return $"TorchSharp load fix: {Needed} already weak in {glue}";
        if (patched == 0) return $"TorchSharp load fix: {glue} does not ask for {Needed}";
        File.WriteAllBytes(glue, bytes);
        return $"TorchSharp load fix: the system libstdc++ lacks {Needed}; marked that version need weak in the build-output copy {glue}";
    }

    private static bool Contains(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.ASCII.GetBytes(needle)) >= 0;

    /// <summary>Sets VER_FLG_WEAK on every version need named <paramref name="version"/>; returns how many were changed (−1: all already weak).</summary>
    private static int MarkWeak(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F' || elf[4] != 2)
            throw new InvalidDataException("libLibTorchSharp.so is not a 64-bit ELF file.");
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A), shnum = BitConverter.ToUInt16(elf, 0x3C);
        long Section(int i) => shoff + (long)i * shentsize;
        int changed = 0, alreadyWeak = 0;
        for (int s = 0; s < shnum; s++)
        {
            long sh = Section(s);
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed) continue;
            long offset = BitConverter.ToInt64(elf, (int)sh + 0x18);
            int strtab = (int)BitConverter.ToUInt32(elf, (int)sh + 0x28);
            uint count = BitConverter.ToUInt32(elf, (int)sh + 0x2C);
            long strOffset = BitConverter.ToInt64(elf, (int)Section(strtab) + 0x18);
            long need = offset;
            for (uint n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    long name = strOffset + BitConverter.ToUInt32(elf, (int)aux + 8);
                    int end = Array.IndexOf(elf, (byte)0, (int)name);
                    if (Encoding.ASCII.GetString(elf, (int)name, end - (int)name) == version)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & VerFlgWeak) != 0) alreadyWeak++;
                        else { BitConverter.TryWriteBytes(elf.AsSpan((int)aux + 4, 2), (ushort)(flags | VerFlgWeak)); changed++; }
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                need += BitConverter.ToUInt32(elf, (int)need + 12);
            }
        }
        return changed > 0 ? changed : alreadyWeak > 0 ? -1 : 0;
    }
}
