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

/**
 * Images and labels in IDX format (MNIST, Fashion-MNIST, ...), gzipped or not: big-endian int32
 * magic {@code 0x00000803} (images, then count, rows, cols) or {@code 0x00000801} (labels, then
 * count), followed by unsigned bytes. The images are held in memory (one byte per pixel; 47 MB for
 * 60,000 28x28 images).
 */
public final class IdxDataset implements ImageDataset {
  private final byte[] pixels;
  private final byte[] labels;
  private final int count;
  private final int rows;
  private final int cols;
  private final List<String> classNames;
  private final String description;

  private IdxDataset(byte[] pixels, byte[] labels, int count, int rows, int cols, List<String> names, String d) {
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
  public static IdxDataset read(Path images, Path labelFile, List<String> classNames) throws IOException {
    int[] imgHeader = new int[3];
    byte[] px = readIdx(images, 0x00000803, imgHeader);
    int[] labHeader = new int[1];
    byte[] lab = readIdx(labelFile, 0x00000801, labHeader);
    if (imgHeader[0] != labHeader[0]) {
      throw new DatasetException(
          "image/label count mismatch: " + images + " holds " + imgHeader[0] + " images but "
              + labelFile + " holds " + labHeader[0] + " labels; pass the matching pair of files");
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
    return new IdxDataset(px, lab, imgHeader[0], imgHeader[1], imgHeader[2], List.copyOf(names),
        images.getFileName().toString());
  }

  private static InputStream open(Path f) throws IOException {
    if (!Files.exists(f)) {
      throw new NoSuchFileException(f.toString(), null, "IDX file not found");
    }
    InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 16);
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    return b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16)) : in;
  }

  /** Reads header dims into {@code dims} and returns the payload. */
  private static byte[] readIdx(Path f, int magic, int[] dims) throws IOException {
    try (DataInputStream in = new DataInputStream(open(f))) {
      int m = in.readInt();
      if (m != magic) {
        throw new DatasetException(
            f + ": IDX magic 0x" + Integer.toHexString(m) + ", expected 0x" + Integer.toHexString(magic)
                + (magic == 0x803 ? " (an image file)" : " (a label file)")
                + "; are the image and label files swapped?");
      }
      long n = 1;
      for (int i = 0; i < dims.length; i++) {
        dims[i] = in.readInt();
        if (dims[i] < 0) {
          throw new DatasetException(f + ": negative dimension in IDX header");
        }
        n *= dims[i];
      }
      if (n > Integer.MAX_VALUE - 16) {
        throw new DatasetException(f + ": " + n + " bytes of data is too large");
      }
      byte[] data = new byte[(int) n];
      try {
        in.readFully(data);
      } catch (EOFException e) {
        throw new DatasetException(f + ": truncated, header announces " + n + " data bytes", e);
      }
      if (in.read() != -1) {
        throw new DatasetException(f + ": trailing bytes after the " + n + " announced data bytes");
      }
      return data;
    }
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
