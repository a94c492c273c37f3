package io.lnkv.vss.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The server's TLS identity, read once at start from a PEM certificate chain and private key
 * (parsed by BouncyCastle) or from a PKCS#12 file. Error messages name the file and never quote its
 * contents or the password.
 */
final class TlsFiles {
  private static final char[] IN_MEMORY_PASSWORD = "lnkv".toCharArray();

  private final KeyStore keyStore;
  private final char[] password;

  private TlsFiles(KeyStore keyStore, char[] password) {
    this.keyStore = keyStore;
    this.password = password;
  }

  static TlsFiles pem(Path chainFile, Path keyFile) {
    List<? extends Certificate> chain;
    try (InputStream in = Files.newInputStream(chainFile)) {
      chain = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
    } catch (IOException | GeneralSecurityException e) {
      throw failure(chainFile, "is not a readable PEM certificate chain", e);
    }
    if (chain.isEmpty()) {
      throw failure(chainFile, "holds no certificate", null);
    }
    PrivateKey key = readKey(keyFile);
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", key, IN_MEMORY_PASSWORD, chain.toArray(Certificate[]::new));
      return new TlsFiles(store, IN_MEMORY_PASSWORD);
    } catch (IOException | GeneralSecurityException e) {
      throw failure(keyFile, "does not match the certificate of " + chainFile, e);
    }
  }

  static TlsFiles pkcs12(Path file, char[] password) {
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password);
      return new TlsFiles(store, Arrays.copyOf(password, password.length));
    } catch (IOException | GeneralSecurityException e) {
      throw failure(file, "cannot be read as PKCS#12 with the password given", e);
    }
  }

  private static PrivateKey readKey(Path keyFile) {
    Object parsed;
    try (Reader in = Files.newBufferedReader(keyFile, StandardCharsets.US_ASCII);
        PEMParser pem = new PEMParser(in)) {
      parsed = pem.readObject();
    } catch (IOException e) {
      throw failure(keyFile, "is not a readable PEM private key", e);
    }
    try {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (parsed instanceof PEMKeyPair pair) { // "RSA/EC PRIVATE KEY": the curve is in the pair
        return converter.getKeyPair(pair).getPrivate();
      }
      if (parsed instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
    } catch (IOException e) {
      throw failure(keyFile, "holds a private key of a kind this JVM cannot use", e);
    }
    throw failure(
        keyFile,
        "holds no unencrypted private key (PKCS#8 'PRIVATE KEY', or 'RSA/EC PRIVATE KEY')",
        null);
  }

  SslContextFactory.Server contextFactory() {
    SslContextFactory.Server factory = new SslContextFactory.Server();
    factory.setKeyStore(keyStore);
    factory.setKeyStorePassword(new String(password));
    factory.setKeyManagerPassword(new String(password));
    return factory;
  }

  private static UncheckedIOException failure(Path file, String what, Exception cause) {
    String reason = cause == null ? "" : " (" + cause.getClass().getSimpleName() + ")";
    return new UncheckedIOException(new IOException("TLS: " + file + " " + what + reason, cause));
  }
}
