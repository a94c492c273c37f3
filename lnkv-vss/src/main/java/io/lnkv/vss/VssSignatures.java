package io.lnkv.vss;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECPoint;

/**
 * VSS's signature authentication (vss-client's {@code SigsAuthProvider}, vss-server's signature
 * authorizer): the header {@code Authorization: hex(pubkey33) ‖ hex(r ‖ s) ‖ decimal(unix
 * seconds)}, where {@code (r, s)} is a secp256k1 ECDSA signature, low-S, of {@code SHA256(C ‖
 * pubkey33 ‖ decimal(unix seconds))} and {@code C} is the 64-byte constant {@value #CONSTANT}. It
 * proves knowledge of the private key and says nothing about the request body. Signing is
 * deterministic (RFC 6979). Stateless and thread-safe.
 */
public final class VssSignatures {
  /** The salt constant, 46 characters and 18 dots. */
  public static final String CONSTANT =
      "VSS Signature Authorizer Signing Salt Constant..................";

  /** ldk-node's BIP32 index for the signature-auth key, hardened under m/877': m/877'/139'. */
  public static final int SIGS_AUTH_HARDENED_CHILD = 139;

  private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256k1");
  private static final ECDomainParameters DOMAIN =
      new ECDomainParameters(CURVE.getCurve(), CURVE.getG(), CURVE.getN(), CURVE.getH());
  private static final BigInteger HALF_N = CURVE.getN().shiftRight(1);
  private static final HexFormat HEX = HexFormat.of();

  private VssSignatures() {}

  /** The secret key ldk-node signs with, {@code m/877'/139'} of the node's 64-byte seed. */
  public static byte[] secretKeyFromNodeSeed(byte[] nodeSeed) {
    if (nodeSeed.length != 64) {
      throw new IllegalArgumentException("ldk-node's seed is 64 bytes, got " + nodeSeed.length);
    }
    byte[][] vss = VssKeys.hardenedChild(VssKeys.masterKey(nodeSeed), VssKeys.VSS_HARDENED_CHILD);
    return VssKeys.hardenedChild(vss, SIGS_AUTH_HARDENED_CHILD)[0];
  }

  /** The compressed (33-byte) public key of a 32-byte secret key. */
  public static byte[] publicKey(byte[] secretKey) {
    return DOMAIN.getG().multiply(scalar(secretKey)).getEncoded(true);
  }

  /** The {@code Authorization} header value for {@code secretKey} at {@code unixSeconds}. */
  public static String authorization(byte[] secretKey, long unixSeconds) {
    byte[] pubkey = publicKey(secretKey);
    String time = Long.toString(unixSeconds);
    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    signer.init(true, new ECPrivateKeyParameters(scalar(secretKey), DOMAIN));
    BigInteger[] rs = signer.generateSignature(message(pubkey, time));
    BigInteger s = rs[1].compareTo(HALF_N) > 0 ? CURVE.getN().subtract(rs[1]) : rs[1];
    return HEX.formatHex(pubkey)
        + HEX.formatHex(VssKeys.to32(rs[0]))
        + HEX.formatHex(VssKeys.to32(s))
        + time;
  }

  /**
   * Checks an {@code Authorization} header value as vss-server does.
   *
   * @param now the server's clock
   * @param window how far the signed time may be from {@code now}, either way
   * @return the user it authenticates: the public key in lower-case hex (66 characters)
   * @throws IllegalArgumentException saying what is wrong: malformed, time outside the window,
   *     high-S or invalid signature
   */
  public static String verify(String header, Instant now, Duration window) {
    if (header == null || header.length() < 66 + 128 + 1 || header.length() > 66 + 128 + 20) {
      throw new IllegalArgumentException(
          "Authorization is not hex(pubkey, 33 bytes) ‖ hex(signature, 64 bytes) ‖ unix time");
    }
    byte[] pubkey;
    byte[] sig;
    long seconds;
    String time = header.substring(66 + 128);
    try {
      pubkey = HEX.parseHex(header, 0, 66);
      sig = HEX.parseHex(header, 66, 66 + 128);
      if (!time.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new NumberFormatException(time);
      }
      seconds = Long.parseLong(time);
    } catch (IllegalArgumentException e) { // includes NumberFormatException
      throw new IllegalArgumentException(
          "Authorization is not hex(pubkey, 33 bytes) ‖ hex(signature, 64 bytes) ‖ unix time", e);
    }
    if (Math.abs(seconds - now.getEpochSecond()) > window.toSeconds()) {
      throw new IllegalArgumentException(
          "Authorization time " + seconds + " is more than " + window + " from the server's clock");
    }
    ECPoint point;
    try {
      point = CURVE.getCurve().decodePoint(pubkey);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Authorization public key is not a secp256k1 point", e);
    }
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(sig, 0, 32));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
    if (s.compareTo(HALF_N) > 0) {
      throw new IllegalArgumentException("Authorization signature is not low-S");
    }
    ECDSASigner verifier = new ECDSASigner();
    verifier.init(false, new ECPublicKeyParameters(point, DOMAIN));
    if (!verifier.verifySignature(message(pubkey, time), r, s)) {
      throw new IllegalArgumentException("Authorization signature does not verify");
    }
    return HEX.formatHex(pubkey);
  }

  private static byte[] message(byte[] pubkey, String time) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(CONSTANT.getBytes(StandardCharsets.US_ASCII));
      sha.update(pubkey);
      sha.update(time.getBytes(StandardCharsets.US_ASCII));
      return sha.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static BigInteger scalar(byte[] secretKey) {
    BigInteger d = new BigInteger(1, secretKey);
    if (secretKey.length != 32 || d.signum() == 0 || d.compareTo(CURVE.getN()) >= 0) {
      throw new IllegalArgumentException("a secp256k1 secret key is 32 bytes in [1, n)");
    }
    return d;
  }
}
