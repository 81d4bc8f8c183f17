using System.IO.Compression;
using System.Numerics;
using System.Text;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Models.Uae;

/// <summary>A tensor read from a PyTorch checkpoint (data not yet materialised).</summary>
public sealed class PickledTensor
{
    internal PickledStorage Storage { get; init; } = null!;
    public long Offset { get; init; }
    public long[] Shape { get; init; } = [];
    public long[] Stride { get; init; } = [];
    public string DType => Storage.DType;
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Values in row-major order (float16/32/64 and integer storages are converted).</summary>
    public float[] ToFloatArray()
    {
        var data = Storage.Load();
        // Shapes and strides come from the file: check them before allocating anything they imply.
        long elements = data.Length / Storage.ElementSize, last = Offset;
        for (int d = 0; d < Shape.Length; d++)
        {
            if (Shape[d] < 0 || (d < Stride.Length && Stride[d] < 0))
                throw new InputError($"tensor shape [{string.Join(", ", Shape)}] or stride has a negative entry");
            if (Shape[d] > 0 && d < Stride.Length) last += (Shape[d] - 1) * Stride[d];
        }
        if (Stride.Length != Shape.Length || Offset < 0 || (Count > 0 && last >= elements) || Count > int.MaxValue / 4)
            throw new InputError($"tensor view [{string.Join(", ", Shape)}] reaches beyond its storage of {elements} values");
        var result = new float[Count];
        var index = new long[Shape.Length];
        for (long k = 0; k < result.Length; k++)
        {
            long at = Offset;
            for (int d = 0; d < Shape.Length; d++) at += index[d] * Stride[d];
            result[k] = Storage.ValueAt(data, at);
            for (int d = Shape.Length - 1; d >= 0; d--)
            {
                if (++index[d] < Shape[d]) break;
                index[d] = 0;
            }
        }
        return result;
    }

    public override string ToString() => $"tensor {DType} [{string.Join(", ", Shape)}]";
}

internal sealed class PickledStorage
{
    public required string DType { get; init; }
    public required Func<byte[]> Read { get; init; }
    private byte[]? _data;
    public byte[] Load() => _data ??= Read();

    public int ElementSize => DType switch
    {
        "float64" or "int64" => 8, "float32" or "int32" => 4, "float16" or "bfloat16" or "int16" => 2, "int8" or "uint8" or "bool" => 1,
        _ => throw new InputError($"tensor type {DType} is not supported"),
    };

    public float ValueAt(byte[] data, long index)
    {
        int at = checked((int)(index * ElementSize));
        if (at < 0 || at + ElementSize > data.Length) throw new InputError("tensor view reaches beyond its storage");
        return DType switch
        {
            "float32" => BitConverter.ToSingle(data, at),
            "float64" => (float)BitConverter.ToDouble(data, at),
            "float16" => (float)BitConverter.ToHalf(data, at),
            "bfloat16" => BitConverter.Int32BitsToSingle(BitConverter.ToUInt16(data, at) << 16),
            "int64" => BitConverter.ToInt64(data, at),
            "int32" => BitConverter.ToInt32(data, at),
            "int16" => BitConverter.ToInt16(data, at),
            "int8" => (sbyte)data[at],
            _ => data[at],
        };
    }
}

/// <summary>An instance of an allowed plain class (argparse.Namespace): its attributes, never its code.</summary>
public sealed class PickledObject(string type)
{
    public string Type { get; } = type;
    public Dictionary<object, object?> Attributes { get; } = new();
}

/// <summary>
/// Reads checkpoints written by <c>torch.save</c> without executing any pickled code: the pickle program is interpreted
/// by a small stack machine that builds only plain values (None, bool, int, float, str, bytes, list, tuple, dict),
/// tensors (torch._utils._rebuild_tensor_v2 / _rebuild_parameter over typed storages), OrderedDict, argparse.Namespace
/// and numpy scalars. Any other global is refused with its name. Supports the zip format (PyTorch ≥ 1.6, the default)
/// and the legacy format (<c>_use_new_zipfile_serialization=False</c>). Values: long or BigInteger, double, string,
/// byte[], List&lt;object?&gt;, object?[] (tuples), Dictionary&lt;object, object?&gt;, <see cref="PickledTensor"/>,
/// <see cref="PickledObject"/>.
/// </summary>
public static class TorchCheckpointReader
{
    /// <summary>Largest checkpoint file, and largest total its archive entries may inflate to (the authors' checkpoints are a few MB).</summary>
    public const long MaxBytes = 1L << 30;

    public static object? Read(string path)
    {
        if (!File.Exists(path)) throw new InputError("checkpoint file not found", path);
        long size = new FileInfo(path).Length;
        if (size > MaxBytes) throw new InputError($"checkpoint is {size / 1e6:0} MB, more than the limit of {MaxBytes / 1e6:0} MB", path);
        try
        {
            var bytes = File.ReadAllBytes(path);
            return bytes.Length >= 4 && bytes[0] == 'P' && bytes[1] == 'K' ? ReadZip(bytes, path) : ReadLegacy(bytes, path);
        }
        catch (InputError e) when (e.Origin is null) { throw e.At(path); }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or ArgumentException or IndexOutOfRangeException or InvalidCastException or OverflowException)
        {
            throw new InputError($"not a readable PyTorch checkpoint ({e.Message.ReplaceLineEndings(" ")})", path);
        }
    }

    private static object? ReadZip(byte[] bytes, string path)
    {
        using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        var pkl = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl")
            ?? throw new InputError("zip file without data.pkl: not a torch.save checkpoint", path);
        if (zip.Entries.Sum(e => e.Length) > MaxBytes) throw new InputError($"the archive inflates to more than {MaxBytes / 1e6:0} MB");
        string prefix = pkl.FullName[..^"data.pkl".Length];
        var entries = zip.Entries.ToDictionary(e => e.FullName, e => e, StringComparer.Ordinal);
        long inflated = 0;
        byte[] entryBytes(ZipArchiveEntry e)
        {
            // Entries inflate to at most MaxBytes in all: a small archive that claims or produces gigabytes is refused.
            if (e.Length < 0 || (inflated += e.Length) > MaxBytes)
                throw new InputError($"the archive inflates to more than {MaxBytes / 1e6:0} MB");
            using var s = e.Open();
            using var m = new MemoryStream((int)Math.Min(e.Length, 1 << 24));
            var buffer = new byte[1 << 16];
            int n;
            while ((n = s.Read(buffer)) > 0)
            {
                if (m.Length + n > e.Length) throw new InputError($"entry {e.FullName} inflates to more than the {e.Length} bytes it declares");
                m.Write(buffer, 0, n);
            }
            return m.ToArray();
        }
        var storages = new Dictionary<string, PickledStorage>(StringComparer.Ordinal);
        PickledStorage storage(object?[] pid)
        {
            // ('storage', storage_type, key, location, numel)
            string key = AsString(pid[2]);
            if (storages.TryGetValue(key, out var s)) return s;
            string dtype = (string)pid[1]!;
            var entry = entries.GetValueOrDefault(prefix + "data/" + key) ?? throw new InputError($"storage {key} is missing from the archive");
            var data = entryBytes(entry); // read now: the archive is closed when the caller materialises tensors
            return storages[key] = new PickledStorage { DType = dtype, Read = () => data };
        }
        using var reader = new BinaryReader(new MemoryStream(entryBytes(pkl)));
        return new Unpickler(reader, storage).Load();
    }

    private static object? ReadLegacy(byte[] bytes, string path)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        var magic = new Unpickler(reader, null).Load();
        if (magic is not BigInteger m || m != BigInteger.Parse("119547037146038801333356"))
            throw new InputError("not a PyTorch checkpoint (neither a zip archive nor the legacy magic number)", path);
        _ = new Unpickler(reader, null).Load(); // protocol version
        _ = new Unpickler(reader, null).Load(); // sys info
        var storages = new Dictionary<string, PickledStorage>(StringComparer.Ordinal);
        var order = new List<string>();
        var dataByKey = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        PickledStorage storage(object?[] pid)
        {
            // ('storage', storage_type, root_key, location, numel, view_metadata)
            string key = AsString(pid[2]);
            if (storages.TryGetValue(key, out var s)) return s;
            return storages[key] = new PickledStorage
            {
                DType = (string)pid[1]!,
                Read = () => dataByKey.TryGetValue(key, out var d) ? d : throw new InputError($"storage {key} has no data"),
            };
        }
        var result = new Unpickler(reader, storage).Load();
        if (new Unpickler(reader, null).Load() is not List<object?> keys) throw new InputError("legacy checkpoint without storage list", path);
        foreach (var k in keys)
        {
            string key = AsString(k);
            long numel = reader.ReadInt64();
            int size = storages.TryGetValue(key, out var s) ? s.ElementSize : throw new InputError($"storage {key} is not referenced");
            dataByKey[key] = reader.ReadBytes(checked((int)(numel * size)));
        }
        return result;
    }

    private static string AsString(object? v) => v switch
    {
        string s => s,
        long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new InputError("unexpected storage key"),
    };

    /// <summary>A pickle stack machine that only knows safe constructors.</summary>
    private sealed class Unpickler(BinaryReader r, Func<object?[], PickledStorage>? storage)
    {
        private static readonly object Mark = new();
        private readonly List<object?> _stack = new();
        private readonly Dictionary<long, object?> _memo = new();

        private sealed record Global(string Module, string Name)
        {
            public string FullName => $"{Module}.{Name}";
        }

        private sealed record NumpyDType(string Code);

        public object? Load()
        {
            while (true)
            {
                byte op = r.ReadByte();
                switch (op)
                {
                    case 0x80: r.ReadByte(); break;                              // PROTO
                    case 0x95: r.ReadInt64(); break;                             // FRAME
                    case (byte)'.': return Pop();                                // STOP
                    case (byte)'(': _stack.Add(Mark); break;                     // MARK
                    case (byte)'}': _stack.Add(new Dictionary<object, object?>()); break;
                    case (byte)']': _stack.Add(new List<object?>()); break;
                    case (byte)')': _stack.Add(Array.Empty<object?>()); break;
                    case (byte)'N': _stack.Add(null); break;
                    case 0x88: _stack.Add(true); break;                          // NEWTRUE
                    case 0x89: _stack.Add(false); break;                         // NEWFALSE
                    case (byte)'J': _stack.Add((long)r.ReadInt32()); break;      // BININT
                    case (byte)'K': _stack.Add((long)r.ReadByte()); break;       // BININT1
                    case (byte)'M': _stack.Add((long)r.ReadUInt16()); break;     // BININT2
                    case 0x8a: _stack.Add(Long(r.ReadBytes(r.ReadByte()))); break; // LONG1
                    case 0x8b: _stack.Add(Long(r.ReadBytes(r.ReadInt32()))); break; // LONG4
                    case (byte)'G':                                              // BINFLOAT (big-endian)
                        var f = r.ReadBytes(8); Array.Reverse(f); _stack.Add(BitConverter.ToDouble(f)); break;
                    case (byte)'X': _stack.Add(Utf8(r.ReadInt32())); break;      // BINUNICODE
                    case 0x8c: _stack.Add(Utf8(r.ReadByte())); break;            // SHORT_BINUNICODE
                    case 0x8d: _stack.Add(Utf8(checked((int)r.ReadInt64()))); break; // BINUNICODE8
                    case (byte)'T': _stack.Add(Latin1(r.ReadInt32())); break;    // BINSTRING
                    case (byte)'U': _stack.Add(Latin1(r.ReadByte())); break;     // SHORT_BINSTRING
                    case (byte)'B': _stack.Add(r.ReadBytes(r.ReadInt32())); break; // BINBYTES
                    case (byte)'C': _stack.Add(r.ReadBytes(r.ReadByte())); break; // SHORT_BINBYTES
                    case (byte)'t': _stack.Add(PopToMark().ToArray()); break;    // TUPLE
                    case 0x85: _stack.Add(new[] { Pop() }); break;               // TUPLE1
                    case 0x86: { var b = Pop(); var a = Pop(); _stack.Add(new[] { a, b }); break; }
                    case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); _stack.Add(new[] { a, b, c }); break; }
                    case (byte)'l': _stack.Add(PopToMark()); break;              // LIST
                    case (byte)'d': { var items = PopToMark(); var d = new Dictionary<object, object?>(); SetItems(d, items); _stack.Add(d); break; }
                    case (byte)'a': { var v = Pop(); ((List<object?>)Top()!).Add(v); break; } // APPEND
                    case (byte)'e': { var items = PopToMark(); ((List<object?>)Top()!).AddRange(items); break; } // APPENDS
                    case (byte)'s': { var v = Pop(); var k = Pop(); SetItems(Top(), [k, v]); break; } // SETITEM
                    case (byte)'u': { var items = PopToMark(); SetItems(Top(), items); break; } // SETITEMS
                    case (byte)'q': _memo[r.ReadByte()] = Top(); break;          // BINPUT
                    case (byte)'r': _memo[r.ReadUInt32()] = Top(); break;        // LONG_BINPUT
                    case 0x94: _memo[_memo.Count] = Top(); break;                // MEMOIZE
                    case (byte)'h': _stack.Add(Memo(r.ReadByte())); break;       // BINGET
                    case (byte)'j': _stack.Add(Memo(r.ReadUInt32())); break;     // LONG_BINGET
                    case (byte)'c': _stack.Add(new Global(Line(), Line())); break; // GLOBAL
                    case 0x93: { var n = (string)Pop()!; var m = (string)Pop()!; _stack.Add(new Global(m, n)); break; } // STACK_GLOBAL
                    case (byte)'R': { var args = (object?[])Pop()!; var fn = Pop(); _stack.Add(Call(fn, args)); break; } // REDUCE
                    case 0x81: { var args = (object?[])Pop()!; var cls = Pop(); _stack.Add(Call(cls, args)); break; } // NEWOBJ
                    case (byte)'b': { var st = Pop(); Build(Top(), st); break; } // BUILD
                    case (byte)'Q': _stack.Add(Persistent(Pop())); break;        // BINPERSID
                    case 0x8f: _stack.Add(new HashSet<object>()); break;         // EMPTY_SET
                    case 0x90: { var items = PopToMark(); foreach (var i in items) ((HashSet<object>)Top()!).Add(i!); break; } // ADDITEMS
                    default:
                        throw new InputError($"pickle opcode 0x{op:x2} at byte {r.BaseStream.Position - 1} is not supported (only plain data and tensors are read)");
                }
            }
        }

        private object? Call(object? callable, object?[] args)
        {
            if (callable is not Global g) throw new InputError("pickle calls something that is not a class or function name");
            switch (g.FullName)
            {
                case "collections.OrderedDict":
                    return new Dictionary<object, object?>();
                case "torch._utils._rebuild_tensor_v2":
                case "torch._utils._rebuild_tensor":
                    var st = args[0] as PickledStorage ?? throw new InputError("tensor without storage");
                    return new PickledTensor { Storage = st, Offset = (long)args[1]!, Shape = Longs(args[2]), Stride = Longs(args[3]) };
                case "torch._utils._rebuild_parameter":
                case "torch._utils._rebuild_parameter_with_state":
                    return args[0] as PickledTensor ?? throw new InputError("parameter without tensor data");
                case "argparse.Namespace":
                case "types.SimpleNamespace":
                    return new PickledObject(g.FullName);
                case "torch.device":
                    return string.Join(":", args.Select(a => Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture)));
                case "_codecs.encode":
                    return Encoding.Latin1.GetBytes((string)args[0]!);
                case "numpy.dtype":
                    return new NumpyDType((string)args[0]!);
                case "numpy.core.multiarray.scalar":
                case "numpy._core.multiarray.scalar":
                    return NumpyScalar((NumpyDType)args[0]!, (byte[])args[1]!);
                case "builtins.set" or "__builtin__.set":
                    return new HashSet<object>(args.Length > 0 && args[0] is List<object?> l ? l.Select(x => x!) : []);
                default:
                    throw new InputError($"checkpoint refers to {g.FullName}, which is not read (only tensors and plain values are)");
            }
        }

        private static object NumpyScalar(NumpyDType t, byte[] b) => t.Code switch
        {
            "f8" => BitConverter.ToDouble(b),
            "f4" => (double)BitConverter.ToSingle(b),
            "i8" => BitConverter.ToInt64(b),
            "i4" => (long)BitConverter.ToInt32(b),
            "b1" => b[0] != 0,
            _ => throw new InputError($"numpy scalar of type {t.Code} is not supported"),
        };

        private void Build(object? target, object? state)
        {
            switch (target)
            {
                case PickledObject o when state is Dictionary<object, object?> attrs:
                    foreach (var (k, v) in attrs) o.Attributes[k] = v;
                    break;
                case Dictionary<object, object?>: // OrderedDict's instance attributes (e.g. state_dict._metadata): not needed
                case NumpyDType:                  // dtype flags
                case PickledTensor:               // tensor subclass state
                    break;
                default:
                    throw new InputError($"pickle sets the state of a {target?.GetType().Name ?? "None"}, which is not supported");
            }
        }

        private object Persistent(object? pid)
        {
            if (storage is null || pid is not object?[] t || t.Length < 5 || t[0] as string != "storage")
                throw new InputError("unexpected persistent reference in the pickle");
            var type = t[1] as Global ?? throw new InputError("storage without a type");
            var resolved = (object?[])t.Clone();
            resolved[1] = StorageDType(type);
            return storage(resolved);
        }

        private static string StorageDType(Global g) => g.FullName switch
        {
            "torch.FloatStorage" => "float32", "torch.DoubleStorage" => "float64", "torch.HalfStorage" => "float16",
            "torch.BFloat16Storage" => "bfloat16", "torch.LongStorage" => "int64", "torch.IntStorage" => "int32",
            "torch.ShortStorage" => "int16", "torch.CharStorage" => "int8", "torch.ByteStorage" => "uint8", "torch.BoolStorage" => "bool",
            _ => throw new InputError($"storage type {g.FullName} is not supported"),
        };

        private static long[] Longs(object? v) => v switch
        {
            object?[] t => t.Select(x => Convert.ToInt64(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
            _ => throw new InputError("tensor shape is not a tuple"),
        };

        private static void SetItems(object? target, IReadOnlyList<object?> items)
        {
            if (target is PickledObject o) target = o.Attributes;
            if (target is not Dictionary<object, object?> d) throw new InputError("pickle sets items on something that is not a dict");
            for (int i = 0; i + 1 < items.Count; i += 2) d[Key(items[i])] = items[i + 1];
        }

        private static object Key(object? k) => k switch
        {
            null => "None",
            object?[] t => string.Join(",", t),
            _ => k,
        };

        private static object Long(byte[] bytes)
        {
            var v = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
            return v >= long.MinValue && v <= long.MaxValue ? (object)(long)v : v;
        }

        private string Utf8(int n) => Encoding.UTF8.GetString(r.ReadBytes(n));
        private string Latin1(int n) => Encoding.Latin1.GetString(r.ReadBytes(n));

        private string Line()
        {
            var sb = new StringBuilder();
            for (byte b; (b = r.ReadByte()) != (byte)'\n';) sb.Append((char)b);
            return sb.ToString();
        }

        private object? Memo(long key) => _memo.TryGetValue(key, out var v) ? v : throw new InputError($"pickle memo {key} is not set");
        private object? Top() => _stack.Count > 0 ? _stack[^1] : throw new InputError("pickle stack underflow");

        private object? Pop()
        {
            var v = Top();
            _stack.RemoveAt(_stack.Count - 1);
            if (ReferenceEquals(v, Mark)) throw new InputError("pickle mark where a value was expected");
            return v;
        }

        private List<object?> PopToMark()
        {
            int at = _stack.FindLastIndex(x => ReferenceEquals(x, Mark));
            if (at < 0) throw new InputError("pickle mark missing");
            var items = _stack.GetRange(at + 1, _stack.Count - at - 1);
            _stack.RemoveRange(at, _stack.Count - at);
            return items;
        }
    }
}
