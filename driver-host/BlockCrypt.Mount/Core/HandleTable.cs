using System.Diagnostics.CodeAnalysis;
using BlockCrypt.FileSystem;

namespace BlockCrypt.Mount.Core;

/// <summary>
/// Open files by number, in a table sized once at mount time, so that looking a handle up on the read and write
/// paths allocates nothing and takes no lock. A handle number is (generation &lt;&lt; 32) | (slot + 1): zero is never
/// valid and a stale number of a reused slot is rejected.
/// </summary>
/// <remarks>Threading: <see cref="Add"/> and <see cref="Remove"/> take a short lock; <see cref="Get"/> is lock-free.</remarks>
public sealed class HandleTable
{
    private sealed class Slot
    {
        public IFileHandle? Handle;
        public string Path = "";
        public bool Writable;
        public uint Generation;
    }

    private readonly Slot[] _slots;
    private readonly int[] _free;
    private int _freeCount;
    private readonly Lock _lock = new();

    /// <summary>Creates a table for at most <paramref name="capacity"/> open files.</summary>
    public HandleTable(int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _slots = new Slot[capacity];
        _free = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            _slots[i] = new Slot();
            // Hand out low slots first (the stack pops from the end).
            _free[i] = capacity - 1 - i;
        }
        _freeCount = capacity;
    }

    /// <summary>Slots in the table.</summary>
    public int Capacity => _slots.Length;

    /// <summary>Handles currently open.</summary>
    public int Count { get { lock (_lock) return _slots.Length - _freeCount; } }

    /// <summary>Stores an open file and returns its number.</summary>
    /// <exception cref="MountException">The table is full (<see cref="MountError.TooManyOpenFiles"/>).</exception>
    public ulong Add(IFileHandle handle, string path, bool writable)
    {
        ArgumentNullException.ThrowIfNull(handle);
        lock (_lock)
        {
            if (_freeCount == 0) ThrowFull();
            int index = _free[--_freeCount];
            Slot slot = _slots[index];
            slot.Generation++;
            slot.Path = path;
            slot.Writable = writable;
            Volatile.Write(ref slot.Handle, handle);
            return ((ulong)slot.Generation << 32) | (uint)(index + 1);
        }
    }

    /// <summary>The open file behind <paramref name="id"/>.</summary>
    /// <exception cref="MountException">Unknown or closed handle (<see cref="MountError.InvalidHandle"/>).</exception>
    public IFileHandle Get(ulong id)
    {
        Slot slot = Find(id);
        return Volatile.Read(ref slot.Handle) ?? ThrowInvalid<IFileHandle>();
    }

    /// <summary>True when the handle was opened for writing.</summary>
    public bool IsWritable(ulong id) => Find(id).Writable;

    /// <summary>The path the handle was opened with.</summary>
    public string GetPath(ulong id) => Find(id).Path;

    /// <summary>Removes the handle and returns it (the caller disposes it).</summary>
    public IFileHandle Remove(ulong id)
    {
        lock (_lock)
        {
            Slot slot = Find(id);
            IFileHandle handle = slot.Handle ?? ThrowInvalid<IFileHandle>();
            slot.Handle = null;
            slot.Path = "";
            _free[_freeCount++] = (int)((uint)id - 1);
            return handle;
        }
    }

    /// <summary>Removes and returns every open handle (unmount).</summary>
    public List<IFileHandle> RemoveAll()
    {
        var list = new List<IFileHandle>();
        lock (_lock)
        {
            for (int i = 0; i < _slots.Length; i++)
            {
                if (_slots[i].Handle is { } h)
                {
                    list.Add(h);
                    _slots[i].Handle = null;
                    _free[_freeCount++] = i;
                }
            }
        }
        return list;
    }

    private Slot Find(ulong id)
    {
        uint index = (uint)id - 1;
        if (index >= (uint)_slots.Length) return ThrowInvalid<Slot>();
        Slot slot = _slots[index];
        if (Volatile.Read(ref slot.Generation) != (uint)(id >> 32) || slot.Handle is null) return ThrowInvalid<Slot>();
        return slot;
    }

    [DoesNotReturn]
    private static T ThrowInvalid<T>() => throw new MountException(MountError.InvalidHandle, "Unknown or closed file handle.");

    [DoesNotReturn]
    private void ThrowFull() => throw new MountException(MountError.TooManyOpenFiles, $"More than {_slots.Length} open files.");
}
