using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Recur;

/// <summary>The safetensors format (what PyTorch's <c>safetensors.torch.load_file</c> reads): an 8-byte little-endian header length,
/// a JSON header naming each tensor's dtype, shape and byte range, then the raw little-endian data. F32 (float) and F64 (double).
/// Files are written to a temporary name and renamed, so a crash never leaves a half-written file under the real name.</summary>
public static class SafeTensors
{
    /// <summary>A named tensor; <see cref="Data"/> is a float[] (F32) or a double[] (F64).</summary>
    /// <param name="Name">The tensor's name.</param>
    /// <param name="Shape">Its shape.</param>
    /// <param name="Data">Its elements in row-major order: a float[] or a double[].</param>
    public sealed record Entry(string Name, int[] Shape, Array Data)
    {
        /// <summary>The safetensors dtype of <see cref="Data"/>: "F32" for float[], "F64" for double[].</summary>
        public string DType => Data switch
        {
            float[] => "F32",
            double[] => "F64",
            _ => throw new ArgumentException($"Tensor '{Name}' holds {Data.GetType().Name}; safetensors entries here are float[] or double[]."),
        };

        internal int ElementSize => DType == "F32" ? 4 : 8;

        /// <summary>The values as floats (converted from F64).</summary>
        public float[] AsFloats() => Data as float[] ?? ((double[])Data).Select(v => (float)v).ToArray();
    }

    /// <summary>Writes <paramref name="tensors"/> (and optional string <paramref name="metadata"/>) to <paramref name="path"/> in the safetensors format, atomically.</summary>
    public static void Write(string path, IEnumerable<Entry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var t in list)
        {
            long expected = t.Shape.Aggregate(1L, (a, d) => a * d);
            if (expected != t.Data.Length) throw new ArgumentException($"Tensor '{t.Name}' has shape [{string.Join(", ", t.Shape)}] but {t.Data.Length} values.");
            long bytes = (long)t.ElementSize * t.Data.Length;
            header[t.Name] = new Dictionary<string, object> { ["dtype"] = t.DType, ["shape"] = t.Shape, ["data_offsets"] = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int pad = (8 - json.Length % 8) % 8; // the format lets the header be padded with spaces; aligning the data helps readers
        AtomicFile.Write(path, stream =>
        {
            stream.Write(BitConverter.GetBytes((ulong)(json.Length + pad)));
            stream.Write(json);
            for (int i = 0; i < pad; i++) stream.WriteByte((byte)' ');
            foreach (var t in list)
                stream.Write(t.Data is float[] f ? MemoryMarshal.AsBytes(f.AsSpan()) : MemoryMarshal.AsBytes(((double[])t.Data).AsSpan()));
        });
    }

    /// <summary>Reads every tensor; a truncated or malformed file is an <see cref="InvalidDataException"/> saying what is wrong.</summary>
    public static (Dictionary<string, Entry> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint file '{path}' does not exist.", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw new InvalidDataException($"'{path}' is too short to be a safetensors file ({bytes.Length} bytes).");
        ulong headerLength = BitConverter.ToUInt64(bytes, 0);
        if (headerLength > (ulong)(bytes.Length - 8)) throw new InvalidDataException($"'{path}' is truncated: its header says {headerLength} bytes, but the file has {bytes.Length - 8} after the length.");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength)); }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' has a malformed safetensors header: {e.Message}"); }
        long dataStart = 8 + (long)headerLength, dataLength = bytes.Length - dataStart;
        var tensors = new Dictionary<string, Entry>();
        var metadata = new Dictionary<string, string>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__")
            {
                foreach (var m in p.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                continue;
            }
            var dtype = p.Value.GetProperty("dtype").GetString();
            if (dtype is not ("F32" or "F64")) throw new InvalidDataException($"'{path}': tensor '{p.Name}' is {dtype}; Recur reads F32 and F64.");
            int size = dtype == "F32" ? 4 : 8;
            var shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var offsets = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            long count = shape.Aggregate(1L, (a, d) => a * d);
            if (offsets.Length != 2 || offsets[1] - offsets[0] != size * count || offsets[0] < 0)
                throw new InvalidDataException($"'{path}': tensor '{p.Name}' of shape [{string.Join(", ", shape)}] has byte range [{string.Join(", ", offsets)}], which does not fit its size.");
            if (offsets[1] > dataLength)
                throw new InvalidDataException($"'{path}' is truncated: tensor '{p.Name}' ends at byte {offsets[1]} of the data, but the file holds {dataLength}.");
            Array data = size == 4 ? new float[count] : new double[count];
            Buffer.BlockCopy(bytes, (int)(dataStart + offsets[0]), data, 0, (int)(size * count));
            tensors[p.Name] = new Entry(p.Name, shape, data);
        }
        return (tensors, metadata);
    }
}

