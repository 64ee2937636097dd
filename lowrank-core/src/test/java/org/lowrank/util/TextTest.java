package org.lowrank.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class TextTest {
  @Test
  void controlAndFormatCharactersBecomeVisibleEscapes() {
    assertEquals(
        "conv\\u001b[2J\\u001b]0;pwned\\u0007",
        Text.printable("conv\u001b[2J\u001b]0;pwned\u0007"));
    assertEquals("a\\u009bb\\u202ec\\u007f", Text.printable("a\u009bb\u202ec\u007f"));
    assertEquals("line\\u000anext", Text.printable("line\nnext"));
    assertEquals("line\nnext", Text.printable("line\nnext", true));
    String plain = "/layer1/conv_é/Conv";
    assertSame(plain, Text.printable(plain));
  }
}
