package io.lnkv.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SecretsTest {
  private static final String[] PASSWORDS = {"s3cret", "p@ss", "a/b", "c:d", "e%40f", "x@y/z:w%"};

  @Test
  void userInfoPasswords_areMaskedWhole_whateverTheyHold() {
    for (String pw : PASSWORDS) {
      for (String form :
          new String[] {
            "postgres://me:%s@db.example:5432/node?table=t",
            "vss:http://me:%s@vss.example/vss?store=n&seed=/s",
            "jdbc:postgresql://me:%s@host/db"
          }) {
        String masked = Secrets.mask(String.format(form, pw));
        assertThat(masked).as(form + " with " + pw).doesNotContain(pw).contains("me:***@");
      }
    }
  }

  @Test
  void passwordParameters_areMasked_andWhereStaysReadable() {
    for (String pw : PASSWORDS) {
      String masked =
          Secrets.mask("jdbc:postgresql://host:5432/db?user=me&password=" + pw + "&ssl=true");
      assertThat(masked)
          .doesNotContain(pw)
          .isEqualTo("jdbc:postgresql://host:5432/db?user=me&password=***&ssl=true");
      assertThat(Secrets.mask("jdbc:postgresql://h/db?sslpassword=" + pw)).doesNotContain(pw);
    }
    assertThat(Secrets.mask("postgres://me@host/db")).isEqualTo("postgres://me@host/db");
    assertThat(Secrets.mask("sqlite:/data/node.sqlite")).isEqualTo("sqlite:/data/node.sqlite");
  }
}
