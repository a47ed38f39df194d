using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Fuse.Native;

/// <summary>struct timespec on 64-bit Linux: seconds and nanoseconds.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Timespec
{
    public long tv_sec;
    public long tv_nsec;

    /// <summary>utimensat(2): set to the current time.</summary>
    public const long UTIME_NOW = (1L << 30) - 1;

    /// <summary>utimensat(2): leave unchanged.</summary>
    public const long UTIME_OMIT = (1L << 30) - 2;

    public static Timespec FromDateTime(DateTime time)
    {
        long ticks = DateTime.SpecifyKind(time, DateTimeKind.Utc).Ticks - DateTime.UnixEpoch.Ticks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rest);
        if (rest < 0) { seconds--; rest += TimeSpan.TicksPerSecond; }
        return new Timespec { tv_sec = seconds, tv_nsec = rest * 100 };
    }

    public readonly DateTime ToDateTime() =>
        DateTime.UnixEpoch.AddTicks(tv_sec * TimeSpan.TicksPerSecond + tv_nsec / 100);
}
