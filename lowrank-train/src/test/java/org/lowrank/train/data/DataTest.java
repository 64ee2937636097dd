package org.lowrank.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.train.TrainTestData;

class DataTest {
  @TempDir Path tmp;

  private static byte[] idx(int magic, int[] dims, byte[] data) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bos);
    out.writeInt(magic);
    for (int d : dims) {
      out.writeInt(d);
    }
    out.write(data);
    return bos.toByteArray();
  }

  private Path write(String name, byte[] bytes, boolean gz) throws IOException {
    Path f = tmp.resolve(name);
    try (OutputStream o =
        gz ? new GZIPOutputStream(Files.newOutputStream(f)) : Files.newOutputStream(f)) {
      o.write(bytes);
    }
    return f;
  }

  @Test
  void idxReadsPlainAndGzipAndReportsProblems() throws IOException {
    byte[] px = new byte[3 * 2 * 4];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) (i * 10);
    }
    Path img = write("img.gz", idx(0x803, new int[] {3, 2, 4}, px), true);
    Path lab = write("lab", idx(0x801, new int[] {3}, new byte[] {2, 0, 1}), false);
    IdxDataset ds = IdxDataset.read(img, lab);
    assertEquals(3, ds.size());
    assertEquals(2, ds.height());
    assertEquals(4, ds.width());
    assertEquals(1, ds.get(2).label());
    assertEquals((byte) 160, ds.get(2).pixels()[0]);
    Path lab2 = write("lab2", idx(0x801, new int[] {2}, new byte[] {2, 0}), false);
    assertTrue(
        assertThrows(DatasetException.class, () -> IdxDataset.read(img, lab2))
            .getMessage()
            .contains("mismatch"));
    assertTrue(
        assertThrows(DatasetException.class, () -> IdxDataset.read(lab, img))
            .getMessage()
            .contains("swapped"));
    Path trunc = write("trunc", idx(0x803, new int[] {3, 2, 4}, new byte[5]), false);
    assertTrue(
        assertThrows(DatasetException.class, () -> IdxDataset.read(trunc, lab))
            .getMessage()
            .contains("truncated"));
    assertThrows(NoSuchFileException.class, () -> IdxDataset.read(tmp.resolve("none"), lab));
  }

  @Test
  void fashionMnistTestSplit() throws IOException {
    Path dir = TrainTestData.requireAbsolute("/usr/share/datasets/fashion-mnist");
    IdxDataset ds =
        IdxDataset.read(
            dir.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"));
    assertEquals(10000, ds.size());
    assertEquals(28, ds.height());
    assertEquals(10, ds.numClasses());
  }

  private static byte[] png(int w, int h, int rgb) throws IOException {
    BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        im.setRGB(x, y, rgb + x); // blue channel encodes x
      }
    }
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    ImageIO.write(im, "png", b);
    return b.toByteArray();
  }

  @Test
  void imageFoldersFromDirectoryAndZip() throws IOException {
    Path root = tmp.resolve("imgs");
    Path zip = tmp.resolve("imgs.zip");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
      for (String cls : List.of("cat", "ant")) {
        for (int i = 0; i < 3; i++) {
          byte[] p = png(4, 3, cls.equals("cat") ? 0x102030 : 0x405060);
          Path f = root.resolve("train").resolve(cls).resolve(i + ".png");
          Files.createDirectories(f.getParent());
          Files.write(f, p);
          z.putNextEntry(new ZipEntry("train/" + cls + "/" + i + ".png"));
          z.write(p);
          z.closeEntry();
        }
      }
    }
    for (Path r : List.of(root, zip)) {
      try (ImageFolderDataset ds =
          ImageFolderDataset.builder().setRoot(r).optSplit("train").build()) {
        assertEquals(List.of("ant", "cat"), ds.classNames());
        assertEquals(6, ds.size());
        assertEquals(3, ds.channels());
        assertEquals(3, ds.height());
        assertEquals(4, ds.width());
        ImageDataset.Example e = ds.get(4);
        assertEquals(1, e.label());
        assertEquals(0x10, e.pixels()[0] & 0xff); // R plane
        assertEquals(0x30 + 3, e.pixels()[2 * 12 + 3] & 0xff); // B plane, x = 3
      }
      try (ImageFolderDataset ds =
          ImageFolderDataset.builder()
              .setRoot(r)
              .optSplit("train")
              .optResize(8, 8)
              .optChannels(1)
              .optLimitPerClass(1)
              .build()) {
        assertEquals(2, ds.size());
        assertEquals(64, ds.get(0).pixels().length);
      }
      DatasetException e =
          assertThrows(
              DatasetException.class,
              () -> ImageFolderDataset.builder().setRoot(r).optSplit("validation").build());
      assertTrue(e.getMessage().contains("[train]"), e.getMessage());
    }
    // a differently sized image without resize is reported with its name
    Files.write(root.resolve("train/cat/9.png"), png(5, 5, 0));
    try (ImageFolderDataset ds =
        ImageFolderDataset.builder().setRoot(root).optSplit("train").build()) {
      DatasetException e = assertThrows(DatasetException.class, () -> ds.get(ds.size() - 1));
      assertTrue(
          e.getMessage().contains("9.png") && e.getMessage().contains("optResize"), e.getMessage());
    }
  }

  @Test
  void cifarZipSubset() throws IOException {
    Path zip = TrainTestData.require("cifar10/cifar10-jpeg.zip");
    try (ImageFolderDataset ds =
        ImageFolderDataset.builder().setRoot(zip).optSplit("test").optLimitPerClass(2).build()) {
      assertEquals(20, ds.size());
      assertEquals(
          List.of(
              "airplane",
              "automobile",
              "bird",
              "cat",
              "deer",
              "dog",
              "frog",
              "horse",
              "ship",
              "truck"),
          ds.classNames());
      assertEquals(32, ds.height());
      assertEquals(3 * 32 * 32, ds.get(19).pixels().length);
      assertEquals(9, ds.get(19).label());
    }
  }

  /** A synthetic dataset whose pixel values encode example index and position. */
  static ImageDataset synthetic(int n, int c, int h, int w) {
    return new ImageDataset() {
      public int size() {
        return n;
      }

      public int channels() {
        return c;
      }

      public int height() {
        return h;
      }

      public int width() {
        return w;
      }

      public List<String> classNames() {
        return List.of("a", "b", "c");
      }

      public Example get(int i) {
        byte[] p = new byte[c * h * w];
        for (int k = 0; k < p.length; k++) {
          p[k] = (byte) (1 + (k % w) + 10 * (i % 20));
        }
        return new Example(p, i % 3);
      }

      public String description() {
        return "synthetic";
      }
    };
  }

  private static List<Batch> all(Iterator<Batch> it) {
    List<Batch> l = new ArrayList<>();
    it.forEachRemaining(l::add);
    return l;
  }

  @Test
  void loaderShufflesNormalizesAndAugmentsReproducibly() {
    ImageDataset ds = synthetic(10, 2, 3, 4);
    DataLoader plain =
        DataLoader.builder(ds)
            .setBatchSize(4)
            .optNormalization(Normalization.of(new float[] {0.5f, 0.25f}, new float[] {0.5f, 2f}))
            .build();
    List<Batch> b = all(plain.epoch(0));
    assertEquals(3, b.size());
    assertEquals(2, b.get(2).size());
    assertArrayEquals(new int[] {0, 1, 2, 3}, b.get(0).indices());
    // pixel value 1 of example 0, channel 1: (1/255 - 0.25) / 2
    assertEquals((1 / 255f - 0.25f) / 2f, b.get(0).data()[12], 1e-6);

    DataLoader shuffled =
        DataLoader.builder(ds).setBatchSize(4).optShuffle(42).optDropLast(true).build();
    List<Batch> e0 = all(shuffled.epoch(0));
    List<Batch> e0again = all(shuffled.epoch(0));
    List<Batch> e1 = all(shuffled.epoch(1));
    assertEquals(2, e0.size());
    assertArrayEquals(e0.get(0).indices(), e0again.get(0).indices());
    assertNotEquals(
        java.util.Arrays.toString(e0.get(0).indices()),
        java.util.Arrays.toString(e1.get(0).indices()));

    DataLoader flip =
        DataLoader.builder(ds)
            .setBatchSize(10)
            .optPrefetch(false)
            .optAugmentation(new Augmentation(0, true, 7))
            .build();
    Batch fb = flip.epoch(0).next();
    Batch pb = all(DataLoader.builder(ds).setBatchSize(10).build().epoch(0)).get(0);
    int flipped = 0;
    for (int i = 0; i < 10; i++) {
      float first = fb.data()[i * 24];
      if (first == pb.data()[i * 24 + 3]) {
        flipped++;
      } else {
        assertEquals(pb.data()[i * 24], first);
      }
    }
    assertTrue(flipped > 0 && flipped < 10, "flipped " + flipped);
    assertArrayEquals(fb.data(), flip.epoch(0).next().data());
    DataLoader crop =
        DataLoader.builder(ds)
            .setBatchSize(10)
            .optAugmentation(new Augmentation(2, false, 7))
            .build();
    float[] cd = crop.epoch(0).next().data();
    int zeros = 0;
    for (float v : cd) {
      zeros += v == 0f ? 1 : 0;
    }
    assertTrue(zeros > 0, "padding produced no zero pixels");
  }

  /** Examples whose single pixel is their index (0..n-1, n <= 256). */
  private static ImageDataset indexed(int n) {
    return new ImageDataset() {
      public int size() {
        return n;
      }

      public int channels() {
        return 1;
      }

      public int height() {
        return 1;
      }

      public int width() {
        return 1;
      }

      public List<String> classNames() {
        return List.of("a");
      }

      public Example get(int i) {
        return new Example(new byte[] {(byte) i}, 0);
      }

      public String description() {
        return "indexed";
      }
    };
  }

  private static java.util.Set<Integer> ids(ImageDataset d) throws IOException {
    java.util.Set<Integer> s = new java.util.TreeSet<>();
    for (int i = 0; i < d.size(); i++) {
      s.add(d.get(i).pixels()[0] & 0xff);
    }
    return s;
  }

  @Test
  void aHeldOutSetIsDisjointSeededAndLeavesTheTrainingSubsetAsLimitChoseIt() throws IOException {
    ImageDataset base = indexed(200);
    Datasets.Split s = Datasets.holdOut(base, 50, 10, 4);
    assertEquals(50, s.train().size());
    assertEquals(10, s.heldOut().size());
    java.util.Set<Integer> both = new java.util.HashSet<>(ids(s.train()));
    both.retainAll(ids(s.heldOut()));
    assertTrue(both.isEmpty(), "overlap " + both);
    assertEquals(
        ids(Datasets.limit(base, 50, 4)), ids(s.train()), "same images as without validation");
    assertEquals(ids(s.heldOut()), ids(Datasets.holdOut(base, 50, 10, 4).heldOut()));
    assertNotEquals(ids(s.heldOut()), ids(Datasets.holdOut(base, 50, 10, 5).heldOut()));
    Datasets.Split all = Datasets.holdOut(base, 0, 10, 4);
    assertEquals(190, all.train().size());
    java.util.Set<Integer> union = new java.util.TreeSet<>(ids(all.train()));
    union.addAll(ids(all.heldOut()));
    assertEquals(200, union.size());
    assertEquals(null, Datasets.holdOut(base, 0, 0, 4).heldOut());
    assertThrows(IllegalArgumentException.class, () -> Datasets.holdOut(base, 0, 200, 4));
  }
}
