namespace BlockCrypt.FileSystem.Fat32;

/// <summary>
/// FAT date/time fields (spec §6.3 "Date and Time Formats"). FAT stores local time without a zone;
/// BlockCrypt stores and reports UTC in these fields, consistently, so a volume reads the same wherever
/// it is mounted. Range 1980-01-01 to 2107-12-31, 2-second write resolution, 10 ms creation resolution.
/// </summary>
internal static class FatTime
{
    public static readonly DateTime Epoch = new(1980, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Last = new(2107, 12, 31, 23, 59, 58, DateTimeKind.Utc);

    private static DateTime Clamp(DateTime t)
    {
        t = t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : DateTime.SpecifyKind(t, DateTimeKind.Utc);
        return t < Epoch ? Epoch : t > Last ? Last : t;
    }

    /// <summary>Encodes a time as (date, time, tenth = 10 ms units within the 2-second slot).</summary>
    public static (ushort Date, ushort Time, byte Tenth) Encode(DateTime t)
    {
        t = Clamp(t);
        ushort date = (ushort)(((t.Year - 1980) << 9) | (t.Month << 5) | t.Day);
        ushort time = (ushort)((t.Hour << 11) | (t.Minute << 5) | (t.Second / 2));
        byte tenth = (byte)((t.Second % 2) * 100 + t.Millisecond / 10);
        return (date, time, tenth);
    }

    /// <summary>Decodes; invalid or zero fields give the FAT epoch.</summary>
    public static DateTime Decode(ushort date, ushort time, byte tenth = 0)
    {
        int year = 1980 + (date >> 9), month = (date >> 5) & 0xF, day = date & 0x1F;
        int hour = time >> 11, minute = (time >> 5) & 0x3F, sec = (time & 0x1F) * 2;
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || sec > 59)
            return Epoch;
        var t = new DateTime(year, month, day, hour, minute, sec, DateTimeKind.Utc);
        if (tenth <= 199) t = t.AddMilliseconds(tenth * 10);
        return t;
    }
}
