package org.lowrank.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FootnotesTest {
  @Test
  void eachDistinctTextIsListedOnceUnderItsKey() {
    Footnotes notes = new Footnotes();
    assertEquals("", notes.line("Notes"), "no line without notes");
    assertEquals("[1]", notes.key("long message a"));
    assertEquals("", notes.key(""));
    assertEquals("[2]", notes.key("long message b"));
    assertEquals("[1]", notes.key("long message a"));
    assertEquals("Notes: [1] long message a; [2] long message b.\n", notes.line("Notes"));
  }
}
