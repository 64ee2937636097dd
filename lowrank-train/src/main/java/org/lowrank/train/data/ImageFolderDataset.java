package org.lowrank.train.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Images in class folders, {@code [split/]class/*.jpg|jpeg|png}, in a directory or a .zip file
 * (e.g. cifar10-jpeg.zip with {@code train/airplane/0001.jpg}). Only the file list is read up
 * front; each image is decoded (javax.imageio) when requested, optionally resized (bilinear) and
 * converted to RGB or grayscale, so memory stays small unless {@link Builder#optCache(boolean)}
 * keeps decoded pixels.
 *
 * <p>Classes: the declared names ({@link Builder#optClassNames}), else the class folder names of
 * <em>all</em> splits in alphabetical order, so label {@code i} means the same class in "train" and
 * "test" even when a split lacks a class folder or has it empty; such a split is logged as a
 * warning and listed by {@link #missingClasses()}. Hidden folders ({@code .*}, {@code __MACOSX})
 * are ignored.
 *
 * <p>Decompression bombs: an image whose header declares more than {@link #DEFAULT_MAX_PIXELS}
 * pixels (width x height; {@link Builder#optMaxPixels} changes the limit) is rejected with a {@link
 * DatasetException} naming the file before any pixel is decoded.
 */
public final class ImageFolderDataset implements ImageDataset {
  /**
   * Largest image accepted by default: 2^25 = 33,554,432 pixels (e.g. 8192 x 4096), 128 MiB once
   * decoded to RGB ints.
   */
  public static final long DEFAULT_MAX_PIXELS = 1L << 25;

  private static final Logger LOG = LoggerFactory.getLogger(ImageFolderDataset.class);

  private final Path root;
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
  private final long maxPixels;
  private final List<String> missingClasses;
  private final AtomicReferenceArray<byte[]> cache;

  private ImageFolderDataset(
      Builder b,
      ZipFile zip,
      List<String> entries,
      int[] labels,
      List<String> classes,
      List<String> missing)
      throws IOException {
    this.root = b.root;
    this.source = b.root + (b.split == null ? "" : " [" + b.split + "]");
    this.zip = zip;
    this.dir = zip == null ? b.root : null;
    this.entries = entries;
    this.labels = labels;
    this.classNames = classes;
    this.missingClasses = missing;
    this.maxPixels = b.maxPixels;
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
    private long maxPixels = DEFAULT_MAX_PIXELS;
    private List<String> classNames;

    /** A directory or a .zip file. */
    public Builder setRoot(Path root) {
      this.root = root;
      return this;
    }

    /**
     * The top-level folder to read (e.g. "train" or "test"); absent: the root holds the classes.
     */
    public Builder optSplit(String split) {
      this.split = split;
      return this;
    }

    /**
     * Resizes every image to height x width (bilinear); without it all images must share a size.
     */
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

    /**
     * Declares the classes in label order (e.g. the model's): label {@code i} is {@code
     * names.get(i)}; a class folder not in the list is an error.
     */
    public Builder optClassNames(List<String> names) {
      if (names.isEmpty() || new HashSet<>(names).size() != names.size()) {
        throw new IllegalArgumentException("class names must be distinct and not empty: " + names);
      }
      this.classNames = List.copyOf(names);
      return this;
    }

    /** Rejects images whose header declares more pixels (default {@link #DEFAULT_MAX_PIXELS}). */
    public Builder optMaxPixels(long maxPixels) {
      if (maxPixels <= 0) {
        throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
      }
      this.maxPixels = maxPixels;
      return this;
    }

    public ImageFolderDataset build() throws IOException {
      Objects.requireNonNull(root, "setRoot(...) is required");
      if (!Files.exists(root)) {
        throw new NoSuchFileException(root.toString(), null, "image folder or zip not found");
      }
      String prefix = split == null ? "" : split.replaceAll("/+$", "") + "/";
      ZipFile zip = null;
      Listing listing;
      if (Files.isDirectory(root)) {
        listing = Listing.ofDirectory(root, split == null ? 2 : 3);
      } else {
        zip = openZip(root);
        listing = Listing.ofZip(zip);
      }
      try {
        TreeMap<String, List<String>> byClass = listing.imagesByClass(prefix);
        if (byClass.isEmpty()) {
          throw new DatasetException(
              root
                  + ": no images found under '"
                  + prefix
                  + "<class>/*.jpg|png'"
                  + (listing.topLevel().isEmpty()
                      ? ""
                      : "; top-level folders are "
                          + listing.topLevel()
                          + (split == null ? " (set optSplit to one of them?)" : "")));
        }
        List<String> classes = classes(listing, prefix, byClass);
        List<String> entries = new ArrayList<>();
        List<Integer> labs = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
          List<String> files = byClass.getOrDefault(classes.get(c), new ArrayList<>());
          if (files.isEmpty()) {
            missing.add(classes.get(c));
          }
          files.sort(null);
          int n = limitPerClass < 0 ? files.size() : Math.min(limitPerClass, files.size());
          for (int i = 0; i < n; i++) {
            entries.add(files.get(i));
            labs.add(c);
          }
        }
        if (!missing.isEmpty()) {
          LOG.warn(
              "{}{}: no images of class{} {}; the other classes keep their labels among the {}"
                  + " classes {}",
              root,
              split == null ? "" : " [" + split + "]",
              missing.size() == 1 ? "" : "es",
              missing,
              classes.size(),
              classes);
        }
        int[] labels = labs.stream().mapToInt(Integer::intValue).toArray();
        return new ImageFolderDataset(
            this, zip, List.copyOf(entries), labels, List.copyOf(classes), List.copyOf(missing));
      } catch (IOException | RuntimeException e) {
        if (zip != null) {
          zip.close();
        }
        throw e;
      }
    }

    /**
     * The class list: the declared names, else the union of the class folders of every split (so
     * that a class missing from one split does not renumber the others), else the folders here.
     */
    private List<String> classes(Listing listing, String prefix, Map<String, List<String>> byClass)
        throws DatasetException {
      TreeSet<String> here = listing.folders(prefix);
      here.addAll(byClass.keySet());
      if (classNames != null) {
        List<String> unknown = new ArrayList<>(here);
        unknown.removeAll(classNames);
        if (!unknown.isEmpty()) {
          throw new DatasetException(
              root
                  + ": class folder"
                  + (unknown.size() == 1 ? " " : "s ")
                  + unknown.stream().map(u -> "'" + prefix + u + "'").toList()
                  + " not among the declared classes "
                  + classNames
                  + "; rename the folder or add the class to the declared list");
        }
        return classNames;
      }
      if (split != null) {
        for (String other : listing.topLevel()) {
          String p = other + "/";
          if (!p.equals(prefix) && !listing.imagesByClass(p).isEmpty()) {
            here.addAll(listing.folders(p));
          }
        }
      }
      return new ArrayList<>(here);
    }
  }

  private static ZipFile openZip(Path root) throws DatasetException {
    try {
      return new ZipFile(root.toFile());
    } catch (IOException e) {
      throw new DatasetException(
          root
              + ": not a readable zip file ("
              + e.getMessage()
              + "); expected a directory or a .zip of [split/]class/*.jpg|png",
          e);
    }
  }

  /**
   * The relevant names under a directory or in a zip, '/'-separated and relative to the root: files
   * and folders (a folder also when only implied by a file in it). Hidden names (starting with '.')
   * and macOS's __MACOSX folders are left out.
   */
  private record Listing(List<String> files, Set<String> folders) {

    static Listing ofDirectory(Path root, int depth) throws IOException {
      List<String> files = new ArrayList<>();
      Set<String> folders = new HashSet<>();
      try (Stream<Path> s = Files.walk(root, depth)) {
        for (Path p : (Iterable<Path>) s::iterator) {
          String rel = root.relativize(p).toString().replace('\\', '/');
          if (rel.isEmpty() || hidden(rel)) {
            continue;
          }
          if (Files.isDirectory(p)) {
            folders.add(rel);
          } else if (Files.isRegularFile(p)) {
            files.add(rel);
          }
        }
      }
      return new Listing(files, folders);
    }

    static Listing ofZip(ZipFile zip) {
      List<String> files = new ArrayList<>();
      Set<String> folders = new HashSet<>();
      Enumeration<? extends ZipEntry> en = zip.entries();
      while (en.hasMoreElements()) {
        ZipEntry e = en.nextElement();
        String n = e.getName().replaceAll("/+$", "");
        if (n.isEmpty() || hidden(n)) {
          continue;
        }
        if (e.isDirectory()) {
          folders.add(n);
        } else {
          files.add(e.getName());
        }
        for (int slash = n.lastIndexOf('/'); slash > 0; slash = n.lastIndexOf('/', slash - 1)) {
          folders.add(n.substring(0, slash));
        }
      }
      return new Listing(files, folders);
    }

    private static boolean hidden(String rel) {
      for (String part : rel.split("/")) {
        if (part.startsWith(".") || part.equals("__MACOSX")) {
          return true;
        }
      }
      return false;
    }

    /** Folders directly under the root, sorted. */
    TreeSet<String> topLevel() {
      return folders("");
    }

    /** Names of the folders directly under {@code prefix} ("" or "split/"), sorted. */
    TreeSet<String> folders(String prefix) {
      TreeSet<String> out = new TreeSet<>();
      for (String f : folders) {
        if (f.length() > prefix.length()
            && f.startsWith(prefix)
            && f.indexOf('/', prefix.length()) < 0) {
          out.add(f.substring(prefix.length()));
        }
      }
      return out;
    }

    /** Images {@code prefix + class/name.jpg|jpeg|png} by class, in listing order. */
    TreeMap<String, List<String>> imagesByClass(String prefix) {
      TreeMap<String, List<String>> byClass = new TreeMap<>();
      for (String p : files) {
        if (!p.startsWith(prefix)) {
          continue;
        }
        String rel = p.substring(prefix.length());
        String[] parts = rel.split("/");
        String lower = rel.toLowerCase(Locale.ROOT);
        if (parts.length == 2
            && (lower.endsWith(".jpg") || lower.endsWith(".jpeg") || lower.endsWith(".png"))) {
          byClass.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(p);
        }
      }
      return byClass;
    }
  }

  /** Where example {@code index} lives, for messages: the file, or the zip and its entry. */
  private String where(int index) {
    String name = entries.get(index);
    return zip != null ? root + " (entry " + name + ")" : dir.resolve(name).toString();
  }

  /**
   * Decodes example {@code index}, reading its width and height from the header first: an image of
   * more than {@code maxPixels} pixels is rejected before any pixel memory is allocated.
   */
  private BufferedImage decode(int index) throws IOException {
    try {
      return decodeChecked(index);
    } catch (DatasetException e) {
      throw e;
    } catch (IOException e) {
      throw new DatasetException(
          where(index)
              + ": cannot read the image ("
              + e
              + "); check the file"
              + (zip != null ? " and the zip (unzip -t)" : ""),
          e);
    }
  }

  private BufferedImage decodeChecked(int index) throws IOException {
    String name = entries.get(index);
    try (InputStream in =
            zip != null
                ? zip.getInputStream(zip.getEntry(name))
                : Files.newInputStream(dir.resolve(name));
        ImageInputStream iis = new MemoryCacheImageInputStream(new BufferedInputStream(in))) {
      ImageReader reader = jpegOrPngReader(iis);
      if (reader == null) {
        throw new DatasetException(
            where(index)
                + ": not a JPEG or PNG image (the first bytes are "
                + firstBytes(iis)
                + "); remove the file or replace it with a readable image");
      }
      String format = reader.getFormatName().toUpperCase(Locale.ROOT);
      try {
        reader.setInput(iis, true, true);
        long w = reader.getWidth(0);
        long h = reader.getHeight(0);
        if (w * h > maxPixels) {
          throw new DatasetException(
              String.format(
                  Locale.ROOT,
                  "%s: the %s header declares %dx%d = %d pixels, more than the limit of %d pixels per"
                      + " image (a decompression bomb or a wrong file); remove or downscale it",
                  where(index),
                  format,
                  w,
                  h,
                  w * h,
                  maxPixels));
        }
        return reader.read(0);
      } catch (DatasetException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        throw new DatasetException(
            where(index)
                + ": corrupt "
                + format
                + " image ("
                + why
                + "); remove the file or replace it with a readable image",
            e);
      } finally {
        reader.dispose();
      }
    }
  }

  /**
   * A JPEG or PNG reader for the stream, or null. Other formats are refused: WBMP, for one, has no
   * magic number, so ImageIO would decode many a corrupt file as a WBMP image.
   */
  private static ImageReader jpegOrPngReader(ImageInputStream iis) throws IOException {
    for (Iterator<ImageReader> it = ImageIO.getImageReaders(iis); it.hasNext(); ) {
      ImageReader r = it.next();
      String format = r.getFormatName().toLowerCase(Locale.ROOT);
      if (format.equals("jpeg") || format.equals("jpg") || format.equals("png")) {
        return r;
      }
    }
    return null;
  }

  private static String firstBytes(ImageInputStream iis) throws IOException {
    byte[] b = new byte[8];
    iis.seek(0);
    int n = Math.max(0, iis.read(b));
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%02x", b[i] & 0xff));
    }
    return n == 0 ? "none: the file is empty" : s.toString();
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
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(img, 0, 0, width, height, null);
      g.dispose();
      img = r;
    } else if (img.getHeight() != height || img.getWidth() != width) {
      throw new DatasetException(
          where(index)
              + ": the image is "
              + img.getWidth()
              + "x"
              + img.getHeight()
              + " but the first image is "
              + width
              + "x"
              + height
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

  /** Classes of {@link #classNames()} without any image in this split (a warning was logged). */
  public List<String> missingClasses() {
    return missingClasses;
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
