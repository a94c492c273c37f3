package io.lnkv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KeyRulesTest {
  @Test
  void alphabet_isLdksSixtyFourCharacters() {
    assertThat(KeyRules.ALPHABET).hasSize(64);
    assertThat(KeyRules.ALPHABET.chars().distinct().count()).isEqualTo(64);
    for (char c : KeyRules.ALPHABET.toCharArray()) {
      assertThat(KeyRules.isValidPart(String.valueOf(c))).isTrue();
    }
  }

  @Test
  void everyOtherAsciiCharacter_isRejected() {
    for (char c = 0; c < 128; c++) {
      if (KeyRules.ALPHABET.indexOf(c) < 0) {
        String key = "k" + c;
        assertThatThrownBy(() -> KeyRules.checkKey("p", "s", key))
            .as("character %d", (int) c)
            .isInstanceOf(InvalidKeyException.class)
            .hasMessageContaining("index 1");
      }
    }
  }

  @Test
  void checkKey_acceptsEmptyNamespaces_andMaximumLengths() {
    assertThatCode(() -> KeyRules.checkKey("", "", "k")).doesNotThrowAnyException();
    assertThatCode(() -> KeyRules.checkKey("p", "", "k")).doesNotThrowAnyException();
    String max = "a".repeat(120);
    assertThatCode(() -> KeyRules.checkKey(max, max, max)).doesNotThrowAnyException();
  }

  @Test
  void checkKey_namesThePartAndTheRule() {
    assertThatThrownBy(() -> KeyRules.checkKey("p", "s", ""))
        .hasMessageContaining("key must not be empty");
    assertThatThrownBy(() -> KeyRules.checkKey("", "s", "k"))
        .hasMessageContaining("secondary namespace 's'")
        .hasMessageContaining("must be empty when the primary namespace is empty");
    assertThatThrownBy(() -> KeyRules.checkKey("p", "s".repeat(121), "k"))
        .hasMessageContaining("secondary namespace")
        .hasMessageContaining("121 characters");
    assertThatThrownBy(() -> KeyRules.checkKey("p/q", "", "k"))
        .hasMessageContaining("primary namespace 'p/q'")
        .hasMessageContaining("'/' at index 1");
    assertThatThrownBy(() -> KeyRules.checkKey("p", "", "k\u00e9")).hasMessageContaining("U+00E9");
  }

  @Test
  void checkScope_appliesTheScopeRules_withoutAKey() {
    assertThatCode(() -> KeyRules.checkScope("", "")).doesNotThrowAnyException();
    assertThatThrownBy(() -> KeyRules.checkScope("", "s")).isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> KeyRules.checkScope("a b", ""))
        .isInstanceOf(InvalidKeyException.class);
  }

  @Test
  void nulls_areProgrammingErrors() {
    assertThatThrownBy(() -> KeyRules.checkKey(null, "", "k"))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> KeyRules.checkKey("p", "", null))
        .isInstanceOf(NullPointerException.class);
  }
}
