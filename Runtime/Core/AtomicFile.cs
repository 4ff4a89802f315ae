using System;
using System.IO;
using System.Text;

namespace Recur;

/// <summary>Writes a file whole or not at all: to a temporary file in the same folder, flushed to disk, then renamed over the target.</summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp-" + Environment.ProcessId;
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public static void WriteText(string path, string text) => Write(path, s => s.Write(Encoding.UTF8.GetBytes(text)));
}
