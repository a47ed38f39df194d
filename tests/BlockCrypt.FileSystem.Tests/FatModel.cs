namespace BlockCrypt.FileSystem.Tests;

/// <summary>The in-memory reference the model-based tests compare the filesystem with.</summary>
internal sealed class FatModel
{
    public sealed class Node
    {
        public required string Name;
        public bool IsDir;
        public Dictionary<string, Node> Children = new(StringComparer.OrdinalIgnoreCase);
        public byte[] Data = [];
        public int Length;
        public Node? Parent;

        public ReadOnlySpan<byte> Content => Data.AsSpan(0, Length);

        public void SetLength(int length)
        {
            if (length > Data.Length) Array.Resize(ref Data, Math.Max(length, Data.Length * 2));
            if (length > Length) Data.AsSpan(Length, length - Length).Clear();
            Length = length;
        }

        public void Write(int offset, ReadOnlySpan<byte> bytes)
        {
            if (offset + bytes.Length > Length) SetLength(offset + bytes.Length);
            bytes.CopyTo(Data.AsSpan(offset));
        }

        public string Path => Parent == null ? "" : Parent.Path + "/" + Name;
    }

    public readonly Node Root = new() { Name = "", IsDir = true };

    public IEnumerable<Node> All(Node? from = null)
    {
        from ??= Root;
        foreach (var c in from.Children.Values)
        {
            yield return c;
            if (c.IsDir) foreach (var d in All(c)) yield return d;
        }
    }

    public int Depth(Node n) => n.Parent == null ? 0 : 1 + Depth(n.Parent);
}
