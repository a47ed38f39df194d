using System.Runtime.InteropServices;
using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Dokan;
using BlockCrypt.Mount.Dokan.Native;
using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.Mount.Tests;

/// <summary>
/// Drives the Dokan adapter in-process on any OS: once through <see cref="DokanOperations"/> and once through the
/// native DOKAN_OPERATIONS table (function pointers to the [UnmanagedCallersOnly] callbacks) with hand-built
/// DOKAN_OPTIONS / DOKAN_FILE_INFO and native buffers. Nothing loads dokan2.dll.
/// </summary>
[TestFixture, Category("Dokan")]
public unsafe class DokanOperationsTests
{
    private const uint GenericRead = 0x80000000, GenericWrite = 0x40000000;
    private MemoryBlockDevice _device = null!;
    private FatFileSystem _fs = null!;
    private MountCore _core = null!;
    private DokanOperations _ops = null!;
    private GCHandle _self;
    private DOKAN_OPTIONS* _options;
    private DOKAN_OPERATIONS* _table;

    [SetUp]
    public void SetUp()
    {
        _device = new MemoryBlockDevice((80L << 20) / 512, 512);
        FatFileSystem.Format(_device, new FatFormatOptions { Label = "DOKAN", SerialNumber = 0xCAFE0001 });
        _fs = FatFileSystem.Open(_device);
        _core = new MountCore(_fs);
        _ops = new DokanOperations(_core);
        _self = GCHandle.Alloc(_ops);
        _options = (DOKAN_OPTIONS*)NativeMemory.AllocZeroed((nuint)sizeof(DOKAN_OPTIONS));
        _options->GlobalContext = (ulong)(long)GCHandle.ToIntPtr(_self);
        _table = (DOKAN_OPERATIONS*)NativeMemory.AllocZeroed((nuint)sizeof(DOKAN_OPERATIONS));
        DokanCallbacks.Fill(_table);
    }

    [TearDown]
    public void TearDown()
    {
        NativeMemory.Free(_table);
        NativeMemory.Free(_options);
        _self.Free();
        _core.Dispose();
        _fs.Dispose();
        _device.Dispose();
    }

    private DOKAN_FILE_INFO NewInfo() => new() { DokanOptions = _options };

    [Test]
    public void NativeLayouts_MatchDokanHeaders()
    {
        Assert.That(sizeof(DOKAN_FILE_INFO), Is.EqualTo(48));
        Assert.That(Marshal.OffsetOf<DOKAN_FILE_INFO>(nameof(DOKAN_FILE_INFO.ProcessId)), Is.EqualTo((IntPtr)32));
        Assert.That(Marshal.OffsetOf<DOKAN_FILE_INFO>(nameof(DOKAN_FILE_INFO.WriteToEndOfFile)), Is.EqualTo((IntPtr)41));
        Assert.That(sizeof(DOKAN_OPERATIONS), Is.EqualTo(25 * 8));
        Assert.That(Marshal.OffsetOf<DOKAN_OPTIONS>(nameof(DOKAN_OPTIONS.GlobalContext)), Is.EqualTo((IntPtr)8));
        Assert.That(Marshal.OffsetOf<DOKAN_OPTIONS>(nameof(DOKAN_OPTIONS.VolumeSecurityDescriptorLength)), Is.EqualTo((IntPtr)44));
        Assert.That(sizeof(DOKAN_OPTIONS), Is.EqualTo(48 + 16384));
        Assert.That(sizeof(WIN32_FIND_DATAW), Is.EqualTo(592));
        Assert.That(sizeof(BY_HANDLE_FILE_INFORMATION), Is.EqualTo(52));
    }

    [Test]
    public void ZwCreateFile_Dispositions_ReturnDocumentedStatus()
    {
        var info = NewInfo();
        Assert.That(_ops.ZwCreateFile("\\a.txt", GenericRead, 0, 0, DokanOperations.FILE_OPEN, 0, &info), Is.EqualTo(NtStatus.ObjectNameNotFound));
        Assert.That(_ops.ZwCreateFile("\\nodir\\a.txt", GenericRead, 0, 0, DokanOperations.FILE_OPEN, 0, &info), Is.EqualTo(NtStatus.ObjectPathNotFound));
        Assert.That(_ops.ZwCreateFile("\\a.txt", GenericWrite, 0, 0, DokanOperations.FILE_CREATE, 0, &info), Is.EqualTo(NtStatus.Success));
        Assert.That(info.Context, Is.Not.Zero);
        _ops.Cleanup("\\a.txt", &info);
        _ops.CloseFile("\\a.txt", &info);
        Assert.That(info.Context, Is.Zero);

        info = NewInfo();
        Assert.That(_ops.ZwCreateFile("\\a.txt", GenericWrite, 0, 0, DokanOperations.FILE_CREATE, 0, &info), Is.EqualTo(NtStatus.ObjectNameCollision));
        Assert.That(_ops.ZwCreateFile("\\a.txt", GenericWrite, 0, 0, DokanOperations.FILE_OPEN_IF, 0, &info), Is.EqualTo(NtStatus.ObjectNameCollision));
        _ops.CloseFile("\\a.txt", &info);
        info = NewInfo();
        Assert.That(_ops.ZwCreateFile("\\a.txt", GenericWrite, 0, 0, DokanOperations.FILE_OVERWRITE_IF, 0, &info), Is.EqualTo(NtStatus.ObjectNameCollision));
        _ops.CloseFile("\\a.txt", &info);
        info = NewInfo();
        Assert.That(_ops.ZwCreateFile("\\a.txt", GenericRead, 0, 0, DokanOperations.FILE_OPEN, DokanOperations.FILE_DIRECTORY_FILE, &info), Is.EqualTo(NtStatus.NotADirectory));
        Assert.That(_ops.ZwCreateFile("\\dir", GenericRead, 0, 0, DokanOperations.FILE_CREATE, DokanOperations.FILE_DIRECTORY_FILE, &info), Is.EqualTo(NtStatus.Success));
        Assert.That(info.IsDirectory, Is.EqualTo(1));
        info = NewInfo();
        Assert.That(_ops.ZwCreateFile("\\dir", GenericRead, 0, 0, DokanOperations.FILE_OPEN, DokanOperations.FILE_NON_DIRECTORY_FILE, &info), Is.EqualTo(NtStatus.FileIsADirectory));
        Assert.That(_ops.ZwCreateFile("\\dir", GenericRead, 0, 0, DokanOperations.FILE_OPEN, 0, &info), Is.EqualTo(NtStatus.Success));
        Assert.That(info.IsDirectory, Is.EqualTo(1));
        Assert.That(_ops.ZwCreateFile("\\x", GenericRead, 0, 0, 9, 0, &info), Is.EqualTo(NtStatus.InvalidParameter));
    }

    [Test]
    public void WriteReadThroughCallbacks_NativeBuffers_RoundTrip()
    {
        var create = (delegate* unmanaged<char*, void*, uint, uint, uint, uint, uint, DOKAN_FILE_INFO*, int>)_table->ZwCreateFile;
        var write = (delegate* unmanaged<char*, byte*, uint, uint*, long, DOKAN_FILE_INFO*, int>)_table->WriteFile;
        var read = (delegate* unmanaged<char*, byte*, uint, uint*, long, DOKAN_FILE_INFO*, int>)_table->ReadFile;
        var getInfo = (delegate* unmanaged<char*, BY_HANDLE_FILE_INFORMATION*, DOKAN_FILE_INFO*, int>)_table->GetFileInformation;
        var close = (delegate* unmanaged<char*, DOKAN_FILE_INFO*, void>)_table->CloseFile;
        const int size = 300_000;
        byte* buffer = (byte*)NativeMemory.Alloc(size);
        byte* back = (byte*)NativeMemory.AllocZeroed(size);
        try
        {
            new Random(7).NextBytes(new Span<byte>(buffer, size));
            var info = NewInfo();
            fixed (char* name = "\\data.bin")
            {
                Assert.That(create(name, null, GenericWrite, 0, 0, DokanOperations.FILE_CREATE, 0, &info), Is.EqualTo(NtStatus.Success));
                uint n = 0;
                Assert.That(write(name, buffer, size, &n, 0, &info), Is.EqualTo(NtStatus.Success));
                Assert.That(n, Is.EqualTo(size));
                info.WriteToEndOfFile = 1;
                Assert.That(write(name, buffer, 10, &n, 0, &info), Is.EqualTo(NtStatus.Success));
                info.WriteToEndOfFile = 0;
                info.PagingIo = 1; // paging writes never extend the file
                Assert.That(write(name, buffer, 4096, &n, size + 8, &info), Is.EqualTo(NtStatus.Success));
                Assert.That(n, Is.EqualTo(2u));
                info.PagingIo = 0;
                Assert.That(read(name, back, size, &n, 0, &info), Is.EqualTo(NtStatus.Success));
                Assert.That(n, Is.EqualTo(size));
                Assert.That(new Span<byte>(back, size).SequenceEqual(new Span<byte>(buffer, size)), Is.True);
                Assert.That(read(name, back, 100, &n, size + 10, &info), Is.EqualTo(NtStatus.Success));
                Assert.That(n, Is.Zero);
                BY_HANDLE_FILE_INFORMATION fi;
                Assert.That(getInfo(name, &fi, &info), Is.EqualTo(NtStatus.Success));
                Assert.That(fi.nFileSizeLow, Is.EqualTo(size + 10));
                Assert.That(fi.dwVolumeSerialNumber, Is.EqualTo(0xCAFE0001));
                close(name, &info);
                Assert.That(read(name, back, 100, &n, 0, &info), Is.EqualTo(NtStatus.Success), "a closed context reads through a temporary handle");
                info.Context = 0xDEAD_0000_0001;
                Assert.That(write(name, buffer, 10, &n, 0, &info), Is.EqualTo(NtStatus.InvalidHandle));
                info.Context = 0;
            }
        }
        finally
        {
            NativeMemory.Free(buffer);
            NativeMemory.Free(back);
        }
    }

    [ThreadStatic] private static List<string>? t_found;

    [UnmanagedCallersOnly]
    private static int Collect(WIN32_FIND_DATAW* data, DOKAN_FILE_INFO* info)
    {
        t_found!.Add(new string(data->cFileName) + ((data->dwFileAttributes & 0x10) != 0 ? "/" : "") + ":" + data->nFileSizeLow);
        return 0;
    }

    [Test]
    public void FindFilesMoveDelete_ThroughCallbacks_ListAndStatusCodes()
    {
        var info = NewInfo();
        _ops.ZwCreateFile("\\docs", GenericRead, 0, 0, DokanOperations.FILE_CREATE, DokanOperations.FILE_DIRECTORY_FILE, &info);
        info = NewInfo();
        _ops.ZwCreateFile("\\docs\\A long file name.txt", GenericWrite, 0, 0, DokanOperations.FILE_CREATE, 0, &info);
        _ops.WriteFile("", "hello"u8, out _, 0, &info);
        _ops.Cleanup("\\docs\\A long file name.txt", &info);
        _ops.CloseFile("\\docs\\A long file name.txt", &info);

        var find = (delegate* unmanaged<char*, void*, DOKAN_FILE_INFO*, int>)_table->FindFiles;
        var move = (delegate* unmanaged<char*, char*, int, DOKAN_FILE_INFO*, int>)_table->MoveFile;
        var deleteFile = (delegate* unmanaged<char*, DOKAN_FILE_INFO*, int>)_table->DeleteFile;
        var deleteDir = (delegate* unmanaged<char*, DOKAN_FILE_INFO*, int>)_table->DeleteDirectory;
        var cleanup = (delegate* unmanaged<char*, DOKAN_FILE_INFO*, void>)_table->Cleanup;
        t_found = [];
        info = NewInfo();
        fixed (char* root = "\\")
            Assert.That(find(root, (delegate* unmanaged<WIN32_FIND_DATAW*, DOKAN_FILE_INFO*, int>)&Collect, &info), Is.EqualTo(NtStatus.Success));
        Assert.That(t_found, Is.EquivalentTo(new[] { "docs/:0" }));
        t_found = [];
        fixed (char* docs = "\\docs")
            Assert.That(find(docs, (delegate* unmanaged<WIN32_FIND_DATAW*, DOKAN_FILE_INFO*, int>)&Collect, &info), Is.EqualTo(NtStatus.Success));
        Assert.That(t_found, Is.EquivalentTo(new[] { "A long file name.txt:5" }));

        fixed (char* from = "\\docs\\A long file name.txt")
        fixed (char* to = "\\renamed.txt")
        fixed (char* docs = "\\docs")
        fixed (char* missing = "\\nothing")
        {
            Assert.That(move(from, to, 0, &info), Is.EqualTo(NtStatus.Success));
            Assert.That(move(to, to, 0, &info) is NtStatus.Success or NtStatus.ObjectNameCollision, Is.True);
            Assert.That(deleteFile(missing, &info), Is.EqualTo(NtStatus.ObjectNameNotFound));
            Assert.That(deleteFile(docs, &info), Is.EqualTo(NtStatus.AccessDenied));
            Assert.That(deleteDir(docs, &info), Is.EqualTo(NtStatus.Success));

            // Delete pending: DeleteFile approves, Cleanup with DeleteOnClose deletes.
            info = NewInfo();
            Assert.That(_ops.ZwCreateFile("\\renamed.txt", GenericRead, 0, 0, DokanOperations.FILE_OPEN, 0, &info), Is.EqualTo(NtStatus.Success));
            Assert.That(deleteFile(to, &info), Is.EqualTo(NtStatus.Success));
            info.DeleteOnClose = 1;
            cleanup(to, &info);
            Assert.That(_core.TryStat("/renamed.txt"), Is.Null);

            info = NewInfo();
            _ops.ZwCreateFile("\\docs\\x", GenericWrite, 0, 0, DokanOperations.FILE_CREATE, 0, &info);
            _ops.CloseFile("\\docs\\x", &info);
            Assert.That(deleteDir(docs, &info), Is.EqualTo(NtStatus.DirectoryNotEmpty));
            Assert.That(_ops.MoveFile("\\docs\\x", "\\docs", false, &info), Is.EqualTo(NtStatus.ObjectNameCollision));
        }
    }

    [Test]
    public void DiskSpaceAndVolumeInformation_ThroughCallbacks_ReportTheVolume()
    {
        var space = (delegate* unmanaged<ulong*, ulong*, ulong*, DOKAN_FILE_INFO*, int>)_table->GetDiskFreeSpace;
        var volume = (delegate* unmanaged<char*, uint, uint*, uint*, uint*, char*, uint, DOKAN_FILE_INFO*, int>)_table->GetVolumeInformation;
        var info = NewInfo();
        ulong available, total, free;
        Assert.That(space(&available, &total, &free, &info), Is.EqualTo(NtStatus.Success));
        Assert.That(total, Is.InRange(70UL << 20, 80UL << 20));
        Assert.That(free, Is.LessThanOrEqualTo(total));
        Assert.That(available, Is.EqualTo(free));
        char* label = stackalloc char[32];
        char* fsName = stackalloc char[32];
        uint serial, maxName, flags;
        Assert.That(volume(label, 32, &serial, &maxName, &flags, fsName, 32, &info), Is.EqualTo(NtStatus.Success));
        Assert.That(new string(label), Is.EqualTo("DOKAN"));
        Assert.That(new string(fsName), Is.EqualTo("FAT32"));
        Assert.That(serial, Is.EqualTo(0xCAFE0001));
        Assert.That(maxName, Is.EqualTo(255u));
        Assert.That(flags & 0x6, Is.EqualTo(0x6u));
    }

    [Test]
    public void SetEndOfFileAndAllocationSize_OpenFile_ChangeLength()
    {
        var info = NewInfo();
        _ops.ZwCreateFile("\\f", GenericWrite, 0, 0, DokanOperations.FILE_CREATE, 0, &info);
        Assert.That(_ops.SetEndOfFile("\\f", 5000, &info), Is.EqualTo(NtStatus.Success));
        Assert.That(_core.GetLength(info.Context), Is.EqualTo(5000));
        Assert.That(_ops.SetAllocationSize("\\f", 10000, &info), Is.EqualTo(NtStatus.Success));
        Assert.That(_core.GetLength(info.Context), Is.EqualTo(5000));
        Assert.That(_ops.SetAllocationSize("\\f", 100, &info), Is.EqualTo(NtStatus.Success));
        Assert.That(_core.GetLength(info.Context), Is.EqualTo(100));
        _ops.CloseFile("\\f", &info);
        Assert.That(_ops.SetEndOfFile("\\f", 1, &info), Is.EqualTo(NtStatus.InvalidHandle));
    }
}
