package org.lowrank.train.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Images and labels in IDX format (MNIST, Fashion-MNIST, ...), gzipped or not: big-endian int32
 * magic {@code 0x00000803} (images, then count, rows, cols) or {@code 0x00000801} (labels, then
 * count), followed by unsigned bytes. The images are held in memory (one byte per pixel; 47 MB for
 * 60,000 28x28 images).
 */
public final class IdxDataset implements ImageDataset {
  /** Largest payload one IDX file may announce: the largest Java array. */
  private static final long MAX_BYTES = Integer.MAX_VALUE - 16;

  /** Read size for gzipped payloads, whose true length is unknown until read. */
  private static final int CHUNK = 1 << 23;

  private final byte[] pixels;
  private final byte[] labels;
  private final int count;
  private final int rows;
  private final int cols;
  private final List<String> classNames;
  private final boolean namesDeclared;
  private final String description;

  private IdxDataset(
      byte[] pixels,
      byte[] labels,
      int count,
      int rows,
      int cols,
      List<String> names,
      boolean namesDeclared,
      String d) {
    this.namesDeclared = namesDeclared;
    this.pixels = pixels;
    this.labels = labels;
    this.count = count;
    this.rows = rows;
    this.cols = cols;
    this.classNames = names;
    this.description = d;
  }

  /**
   * Reads an image file and a label file; class names are "0".."K-1" with K = max label + 1 (at
   * least 10).
   */
  public static IdxDataset read(Path images, Path labelFile) throws IOException {
    return read(images, labelFile, null);
  }

  /** As {@link #read(Path, Path)} with explicit class names (e.g. Fashion-MNIST's). */
  public static IdxDataset read(Path images, Path labelFile, List<String> classNames)
      throws IOException {
    int[] imgHeader = new int[3];
    byte[] px = readIdx(images, 0x00000803, imgHeader);
    int[] labHeader = new int[1];
    byte[] lab = readIdx(labelFile, 0x00000801, labHeader);
    if (imgHeader[0] != labHeader[0]) {
      throw new DatasetException(
          "image/label count mismatch: "
              + images
              + " holds "
              + imgHeader[0]
              + " images but "
              + labelFile
              + " holds "
              + labHeader[0]
              + " labels; pass the matching pair of files");
    }
    int max = 0;
    for (byte b : lab) {
      max = Math.max(max, b & 0xff);
    }
    List<String> names = classNames;
    if (names == null) {
      names = new ArrayList<>();
      for (int i = 0; i < Math.max(10, max + 1); i++) {
        names.add(Integer.toString(i));
      }
    } else if (max >= names.size()) {
      throw new DatasetException(
          labelFile + ": label " + max + " but only " + names.size() + " class names given");
    }
    return new IdxDataset(
        px,
        lab,
        imgHeader[0],
        imgHeader[1],
        imgHeader[2],
        List.copyOf(names),
        classNames != null,
        images.getFileName().toString());
  }

  /** Whether {@code f} starts with the gzip magic bytes 1f 8b. */
  private static boolean isGzip(Path f) throws IOException {
    try (InputStream in = Files.newInputStream(f)) {
      return in.read() == 0x1f && in.read() == 0x8b;
    }
  }

  private static InputStream open(Path f, boolean gzip) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 16);
    return gzip ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16)) : in;
  }

  /**
   * Reads header dims into {@code dims} and returns the payload. The size the header announces (the
   * product of the dims, in long arithmetic) is checked before it is allocated: against the file
   * length for a plain file; a gzipped file is read in chunks of at most {@value #CHUNK} bytes, so
   * a short one fails before the announced size is allocated.
   */
  private static byte[] readIdx(Path f, int magic, int[] dims) throws IOException {
    if (!Files.isRegularFile(f)) {
      throw new NoSuchFileException(f.toString(), null, "IDX file not found");
    }
    String kind = magic == 0x803 ? "an IDX image file" : "an IDX label file";
    long headerBytes = 4L * (1 + dims.length);
    long fileBytes = Files.size(f);
    boolean gzip = isGzip(f);
    String where = gzip ? " (gunzipped)" : "";
    try (DataInputStream in = new DataInputStream(open(f, gzip))) {
      try {
        int m = in.readInt();
        if (m != magic) {
          throw new DatasetException(
              f
                  + where
                  + ": IDX magic 0x"
                  + Integer.toHexString(m)
                  + ", expected 0x"
                  + Integer.toHexString(magic)
                  + " ("
                  + kind
                  + "); are the image and label files swapped?");
        }
        for (int i = 0; i < dims.length; i++) {
          dims[i] = in.readInt();
        }
      } catch (EOFException e) {
        throw new DatasetException(
            f
                + where
                + ": "
                + (fileBytes == 0 ? "empty file" : "truncated IDX header")
                + ": "
                + kind
                + " starts with "
                + headerBytes
                + " bytes (magic 0x"
                + Integer.toHexString(magic)
                + ", then "
                + dims.length
                + " big-endian int32 sizes); download the file again",
            e);
      }
      long n = payloadBytes(f, dims);
      if (!gzip && fileBytes != headerBytes + n) {
        throw new DatasetException(
            f
                + ": the IDX header announces "
                + dimsText(dims)
                + " = "
                + n
                + " data bytes but the file holds "
                + (fileBytes - headerBytes)
                + " after the header ("
                + (fileBytes < headerBytes + n ? "truncated" : "trailing bytes")
                + "); download the file again");
      }
      long heap = Runtime.getRuntime().maxMemory();
      if (n > heap) {
        throw new DatasetException(
            f
                + ": the IDX header announces "
                + dimsText(dims)
                + " = "
                + n
                + " data bytes, more than the whole Java heap ("
                + heap
                + " bytes); raise the heap"
                + " (java -Xmx) or use a smaller file");
      }
      byte[] data = readPayload(in, n, !gzip);
      if (data == null) {
        throw new DatasetException(
            f
                + where
                + ": truncated: the IDX header announces "
                + dimsText(dims)
                + " = "
                + n
                + " data bytes but the data ends before;"
                + " download the file again");
      }
      if (in.read() != -1) {
        throw new DatasetException(
            f
                + where
                + ": trailing bytes after the "
                + n
                + " data bytes the IDX header announces ("
                + dimsText(dims)
                + ");"
                + " download the file again");
      }
      return data;
    } catch (ZipException e) {
      throw new DatasetException(
          f
              + ": corrupt gzip data ("
              + e.getMessage()
              + "); download the file again or gunzip it to check",
          e);
    }
  }

  /** The product of the dims in long arithmetic, checked: dims positive, total within an array. */
  private static long payloadBytes(Path f, int[] dims) throws DatasetException {
    long n = 1;
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 0 || (dims[i] == 0 && i > 0)) {
        throw new DatasetException(
            f
                + ": IDX header dimension "
                + i
                + " is "
                + dims[i]
                + " ("
                + dimsText(dims)
                + "); expected a positive size: not an IDX file or a corrupt one");
      }
      n *= dims[i]; // n <= 2^31 before, dims[i] < 2^31: no long overflow
      if (n > MAX_BYTES) {
        throw new DatasetException(
            f
                + ": the IDX header announces "
                + dimsText(dims)
                + ", more than the "
                + MAX_BYTES
                + " data bytes one array can hold;"
                + " a corrupt header, or split the data into smaller files");
      }
    }
    return n;
  }

  /**
   * Exactly {@code n} bytes of {@code in}, or null when it ends before. With {@code sizeChecked}
   * false the bytes are read in chunks, so memory grows only with what is really there.
   */
  private static byte[] readPayload(InputStream in, long n, boolean sizeChecked)
      throws IOException {
    if (sizeChecked || n <= CHUNK) {
      byte[] data = new byte[(int) n];
      return in.readNBytes(data, 0, data.length) == data.length ? data : null;
    }
    List<byte[]> chunks = new ArrayList<>();
    for (long got = 0; got < n; ) {
      byte[] c = new byte[(int) Math.min(n - got, CHUNK)];
      if (in.readNBytes(c, 0, c.length) < c.length) {
        return null;
      }
      chunks.add(c);
      got += c.length;
    }
    byte[] data = new byte[(int) n];
    int off = 0;
    for (byte[] c : chunks) {
      System.arraycopy(c, 0, data, off, c.length);
      off += c.length;
    }
    return data;
  }

  private static String dimsText(int[] dims) {
    StringBuilder s = new StringBuilder();
    for (int d : dims) {
      s.append(s.length() == 0 ? "" : "x").append(d);
    }
    return s.toString();
  }

  @Override
  public int size() {
    return count;
  }

  @Override
  public int channels() {
    return 1;
  }

  @Override
  public int height() {
    return rows;
  }

  @Override
  public int width() {
    return cols;
  }

  @Override
  public List<String> classNames() {
    return classNames;
  }

  /** False when the class names were guessed from the labels ("0".."K-1"). */
  @Override
  public boolean classNamesDeclared() {
    return namesDeclared;
  }

  @Override
  public Example get(int index) {
    int n = rows * cols;
    byte[] p = new byte[n];
    System.arraycopy(pixels, index * n, p, 0, n);
    return new Example(p, labels[index] & 0xff);
  }

  @Override
  public String description() {
    return description;
  }
}
