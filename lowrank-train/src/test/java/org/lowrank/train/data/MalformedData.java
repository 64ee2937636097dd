package org.lowrank.train.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;

/**
 * Well-formed and malformed dataset files built in memory, for tests of bad input here and in the
 * CLI: decompression-bomb PNGs, corrupt JPEGs, IDX files with lying headers, broken zips. Byte
 * arrays are returned as is; the {@code write*} methods create parent folders and return the path.
 */
public final class MalformedData {
  /** The size a decompression-bomb PNG declares: 40000 x 40000 = 1.6e9 pixels. */
  public static final int BOMB_SIDE = 40_000;

  private MalformedData() {}

  /** A w x h RGB PNG; pixel (x, y) is {@code rgb + x}. */
  public static byte[] png(int w, int h, int rgb) {
    BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        im.setRGB(x, y, rgb + x);
      }
    }
    return encode(im, "png");
  }

  /** A w x h gray JPEG. */
  public static byte[] jpeg(int w, int h) {
    BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        im.setRGB(x, y, 0x808080);
      }
    }
    return encode(im, "jpeg");
  }

  /**
   * A tiny PNG (under 100 bytes) whose IHDR declares {@code width x height} pixels: a valid 1x1
   * 8-bit gray PNG with the IHDR size fields patched and its CRC recomputed. Decoding it naively
   * allocates width * height bytes (1.6 GB for the 40000 x 40000 bomb) before finding the data
   * short.
   */
  public static byte[] pngDeclaring(int width, int height) {
    byte[] p = encode(new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY), "png");
    // signature (8), IHDR length (4), "IHDR" at 12..15, width at 16..19, height at 20..23,
    // then depth, color type, compression, filter, interlace (24..28) and the CRC at 29..32
    if (p[12] != 'I' || p[13] != 'H' || p[14] != 'D' || p[15] != 'R') {
      throw new IllegalStateException("ImageIO wrote a PNG without IHDR first");
    }
    putInt(p, 16, width);
    putInt(p, 20, height);
    CRC32 crc = new CRC32();
    crc.update(p, 12, 17);
    putInt(p, 29, (int) crc.getValue());
    return p;
  }

  /** The {@link #BOMB_SIDE}-square decompression bomb PNG. */
  public static byte[] pngBomb() {
    return pngDeclaring(BOMB_SIDE, BOMB_SIDE);
  }

  /**
   * A JPEG whose start (SOI and JFIF header) is intact and whose tables and scan are garbage:
   * ImageIO recognizes it as a JPEG and fails to decode it.
   */
  public static byte[] corruptJpeg() {
    byte[] j = jpeg(16, 16);
    for (int i = 20; i < j.length - 2; i++) {
      j[i] = (byte) (i * 37);
    }
    return j;
  }

  /**
   * 64 bytes that are no image but that ImageIO's WBMP reader accepts (type 0, header 0, width and
   * height 192): what a damaged file starting with two zero bytes can look like.
   */
  public static byte[] wbmpLookalike() {
    byte[] b = new byte[64];
    b[2] = (byte) 0x81;
    b[3] = 0x40;
    b[4] = (byte) 0x81;
    b[5] = 0x40;
    return b;
  }

  /** An IDX file: big-endian int32 magic, the dims, then {@code data} (may disagree with dims). */
  public static byte[] idx(int magic, int[] dims, byte[] data) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bos)) {
      out.writeInt(magic);
      for (int d : dims) {
        out.writeInt(d);
      }
      out.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bos.toByteArray();
  }

  /**
   * An IDX image file header ({@code 0x803}) announcing count x rows x cols bytes, with no data.
   */
  public static byte[] idxImagesHeaderOnly(int count, int rows, int cols) {
    return idx(0x803, new int[] {count, rows, cols}, new byte[0]);
  }

  /** An IDX label file ({@code 0x801}) with these labels. */
  public static byte[] idxLabels(byte... labels) {
    return idx(0x801, new int[] {labels.length}, labels);
  }

  /** {@code bytes} gzipped. */
  public static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (OutputStream o = new GZIPOutputStream(bos)) {
      o.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bos.toByteArray();
  }

  /** Bytes that start like a zip (local header "PK\3\4") but have no central directory. */
  public static byte[] brokenZip() {
    byte[] b = new byte[200];
    Arrays.fill(b, (byte) 0x55);
    b[0] = 'P';
    b[1] = 'K';
    b[2] = 3;
    b[3] = 4;
    return b;
  }

  /** Writes {@code bytes} to {@code file}, creating its folders. */
  public static Path write(Path file, byte[] bytes) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, bytes);
    return file;
  }

  /**
   * Writes a zip with these entries in this order (use a LinkedHashMap); a name ending in '/' is a
   * folder entry and its bytes are ignored.
   */
  public static Path writeZip(Path zip, Map<String, byte[]> entries) throws IOException {
    Files.createDirectories(zip.toAbsolutePath().getParent());
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        z.putNextEntry(new ZipEntry(e.getKey()));
        if (!e.getKey().endsWith("/")) {
          z.write(e.getValue());
        }
        z.closeEntry();
      }
    }
    return zip;
  }

  /**
   * Class folders {@code root/split/class/0.png}: a 4x4 PNG per class and split, except that "test"
   * has class "bee" as an empty folder and lacks class "cat": classes ant, bee, cat, dog. The same
   * layout in a zip is {@link #writeSplitsWithGapsZip}.
   */
  public static Path writeSplitsWithGaps(Path root) throws IOException {
    for (String cls : new String[] {"ant", "bee", "cat", "dog"}) {
      write(root.resolve("train").resolve(cls).resolve("0.png"), png(4, 4, 0x10 * cls.charAt(0)));
    }
    write(root.resolve("test/ant/0.png"), png(4, 4, 0));
    Files.createDirectories(root.resolve("test/bee"));
    write(root.resolve("test/dog/0.png"), png(4, 4, 0));
    return root;
  }

  /** {@link #writeSplitsWithGaps} as a zip, with "test/bee/" a folder entry. */
  public static Path writeSplitsWithGapsZip(Path zip) throws IOException {
    Map<String, byte[]> m = new java.util.LinkedHashMap<>();
    for (String cls : new String[] {"ant", "bee", "cat", "dog"}) {
      m.put("train/" + cls + "/0.png", png(4, 4, 0x10 * cls.charAt(0)));
    }
    m.put("test/ant/0.png", png(4, 4, 0));
    m.put("test/bee/", new byte[0]);
    m.put("test/dog/0.png", png(4, 4, 0));
    return writeZip(zip, m);
  }

  private static byte[] encode(BufferedImage im, String format) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try {
      ImageIO.write(im, format, b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  private static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }
}
