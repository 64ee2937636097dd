package org.lowrank.train.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.imageio.ImageIO;

/**
 * Images in class folders, {@code [split/]class/*.jpg|jpeg|png}, in a directory or a .zip file
 * (e.g. cifar10-jpeg.zip with {@code train/airplane/0001.jpg}). Classes are the folder names in
 * alphabetical order. Only the file list is read up front; each image is decoded (javax.imageio)
 * when requested, optionally resized (bilinear) and converted to RGB or grayscale, so memory stays
 * small unless {@link Builder#optCache(boolean)} keeps decoded pixels.
 */
public final class ImageFolderDataset implements ImageDataset {
  private final String source;
  private final ZipFile zip;
  private final Path dir;
  private final List<String> entries;
  private final int[] labels;
  private final List<String> classNames;
  private final int channels;
  private final int height;
  private final int width;
  private final boolean resize;
  private final AtomicReferenceArray<byte[]> cache;

  private ImageFolderDataset(Builder b, ZipFile zip, List<String> entries, int[] labels, List<String> classes)
      throws IOException {
    this.source = b.root + (b.split == null ? "" : " [" + b.split + "]");
    this.zip = zip;
    this.dir = zip == null ? b.root : null;
    this.entries = entries;
    this.labels = labels;
    this.classNames = classes;
    this.channels = b.channels;
    this.cache = b.cache ? new AtomicReferenceArray<>(entries.size()) : null;
    if (b.height > 0) {
      this.height = b.height;
      this.width = b.width;
      this.resize = true;
    } else {
      BufferedImage first = decode(0);
      this.height = first.getHeight();
      this.width = first.getWidth();
      this.resize = false;
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder: {@code setRoot} is required. */
  public static final class Builder {
    private Path root;
    private String split;
    private int height;
    private int width;
    private int channels = 3;
    private boolean cache;
    private int limitPerClass = -1;

    /** A directory or a .zip file. */
    public Builder setRoot(Path root) {
      this.root = root;
      return this;
    }

    /** The top-level folder to read (e.g. "train" or "test"); absent: the root holds the classes. */
    public Builder optSplit(String split) {
      this.split = split;
      return this;
    }

    /** Resizes every image to height x width (bilinear); without it all images must share a size. */
    public Builder optResize(int height, int width) {
      if (height <= 0 || width <= 0) {
        throw new IllegalArgumentException("resize to " + height + "x" + width);
      }
      this.height = height;
      this.width = width;
      return this;
    }

    /** 3 (RGB, default) or 1 (grayscale, ITU-R 601 luma). */
    public Builder optChannels(int channels) {
      if (channels != 1 && channels != 3) {
        throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
      }
      this.channels = channels;
      return this;
    }

    /** Keeps decoded pixels in memory after first use (C*H*W bytes per image). */
    public Builder optCache(boolean cache) {
      this.cache = cache;
      return this;
    }

    /** Keeps only the first {@code n} files (in name order) of every class. */
    public Builder optLimitPerClass(int n) {
      this.limitPerClass = n;
      return this;
    }

    public ImageFolderDataset build() throws IOException {
      Objects.requireNonNull(root, "setRoot(...) is required");
      if (!Files.exists(root)) {
        throw new NoSuchFileException(root.toString(), null, "image folder or zip not found");
      }
      String prefix = split == null ? "" : split.replaceAll("/+$", "") + "/";
      List<String> paths = new ArrayList<>();
      TreeSet<String> topLevel = new TreeSet<>();
      ZipFile zip = null;
      if (Files.isDirectory(root)) {
        Path base = split == null ? root : root.resolve(split);
        try (Stream<Path> top = Files.list(root)) {
          top.filter(Files::isDirectory).forEach(p -> topLevel.add(p.getFileName().toString()));
        }
        if (Files.isDirectory(base)) {
          try (Stream<Path> s = Files.walk(base, 2)) {
            s.filter(Files::isRegularFile)
                .forEach(p -> paths.add(prefix + base.relativize(p).toString().replace('\\', '/')));
          }
        }
      } else {
        zip = new ZipFile(root.toFile());
        Enumeration<? extends ZipEntry> en = zip.entries();
        while (en.hasMoreElements()) {
          ZipEntry e = en.nextElement();
          String n = e.getName();
          int slash = n.indexOf('/');
          if (slash > 0) {
            topLevel.add(n.substring(0, slash));
          }
          if (!e.isDirectory() && n.startsWith(prefix)) {
            paths.add(n);
          }
        }
      }
      TreeMap<String, List<String>> byClass = new TreeMap<>();
      for (String p : paths) {
        String rel = p.substring(prefix.length());
        String[] parts = rel.split("/");
        String lower = rel.toLowerCase(Locale.ROOT);
        if (parts.length == 2
            && (lower.endsWith(".jpg") || lower.endsWith(".jpeg") || lower.endsWith(".png"))) {
          byClass.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(p);
        }
      }
      if (byClass.isEmpty()) {
        if (zip != null) {
          zip.close();
        }
        throw new DatasetException(
            root + ": no images found under '" + prefix + "<class>/*.jpg|png'"
                + (topLevel.isEmpty() ? "" : "; top-level folders are " + topLevel
                    + (split == null ? " (set optSplit to one of them?)" : "")));
      }
      List<String> classes = new ArrayList<>(byClass.keySet());
      List<String> entries = new ArrayList<>();
      List<Integer> labs = new ArrayList<>();
      for (int c = 0; c < classes.size(); c++) {
        List<String> files = byClass.get(classes.get(c));
        files.sort(null);
        int n = limitPerClass < 0 ? files.size() : Math.min(limitPerClass, files.size());
        for (int i = 0; i < n; i++) {
          entries.add(files.get(i));
          labs.add(c);
        }
      }
      int[] labels = labs.stream().mapToInt(Integer::intValue).toArray();
      try {
        return new ImageFolderDataset(this, zip, List.copyOf(entries), labels, List.copyOf(classes));
      } catch (IOException | RuntimeException e) {
        if (zip != null) {
          zip.close();
        }
        throw e;
      }
    }
  }

  private BufferedImage decode(int index) throws IOException {
    String name = entries.get(index);
    BufferedImage img;
    try (InputStream in = zip != null ? zip.getInputStream(zip.getEntry(name))
        : Files.newInputStream(dir.resolve(name))) {
      img = ImageIO.read(in);
    }
    if (img == null) {
      throw new DatasetException(source + ": '" + name + "' is not a readable JPEG/PNG image");
    }
    return img;
  }

  @Override
  public Example get(int index) throws IOException {
    if (cache != null) {
      byte[] c = cache.get(index);
      if (c != null) {
        return new Example(c.clone(), labels[index]);
      }
    }
    BufferedImage img = decode(index);
    if (resize && (img.getHeight() != height || img.getWidth() != width)) {
      BufferedImage r = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = r.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(img, 0, 0, width, height, null);
      g.dispose();
      img = r;
    } else if (img.getHeight() != height || img.getWidth() != width) {
      throw new DatasetException(
          source + ": '" + entries.get(index) + "' is " + img.getWidth() + "x" + img.getHeight()
              + " but the first image is " + width + "x" + height
              + "; set optResize(height, width) to resize all images");
    }
    int[] rgb = img.getRGB(0, 0, width, height, null, 0, width);
    int plane = height * width;
    byte[] px = new byte[channels * plane];
    for (int i = 0; i < plane; i++) {
      int v = rgb[i];
      int r = (v >> 16) & 0xff;
      int g = (v >> 8) & 0xff;
      int b = v & 0xff;
      if (channels == 3) {
        px[i] = (byte) r;
        px[plane + i] = (byte) g;
        px[2 * plane + i] = (byte) b;
      } else {
        px[i] = (byte) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      }
    }
    if (cache != null) {
      cache.set(index, px.clone());
    }
    return new Example(px, labels[index]);
  }

  /** The file or zip entry name of example {@code index}. */
  public String entryName(int index) {
    return entries.get(index);
  }

  @Override
  public int size() {
    return entries.size();
  }

  @Override
  public int channels() {
    return channels;
  }

  @Override
  public int height() {
    return height;
  }

  @Override
  public int width() {
    return width;
  }

  @Override
  public List<String> classNames() {
    return classNames;
  }

  @Override
  public String description() {
    return source;
  }

  @Override
  public void close() throws IOException {
    if (zip != null) {
      zip.close();
    }
  }
}
