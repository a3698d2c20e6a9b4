package org.enclaveos.signer.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.Arrays;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The multiplication-only Q1/Q2 check says "right" for exactly the values long division gives, and
 * judges each value on its own: any other Q1 or Q2 is wrong, whatever the other one is. Numbers are
 * written in exactly 384 bytes, or refused.
 */
class RsaTest {
    @Property(tries = 100)
    void agreesWithDivision(@ForAll("numbers") BigInteger s, @ForAll("moduli") BigInteger m, @ForAll("deltas") int d1,
                            @ForAll("deltas") int d2) {
        BigInteger s2 = s.multiply(s);
        BigInteger q1 = s2.divide(m);
        BigInteger q2 = s.multiply(s2.mod(m)).divide(m);
        BigInteger stored1 = q1.add(BigInteger.valueOf(d1)).max(BigInteger.ZERO);
        BigInteger stored2 = q2.add(BigInteger.valueOf(d2)).max(BigInteger.ZERO);
        Rsa.Q1Q2Check check = Rsa.checkQ1Q2(s, m, stored1, stored2);
        assertEquals(stored1.equals(q1), check.q1(), "Q1");
        assertEquals(stored2.equals(q2), check.q2(), "Q2");
    }

    @Property(tries = 50)
    void whatQ1Q2MakesChecks(@ForAll("numbers") BigInteger s, @ForAll("moduli") BigInteger m) {
        Rsa.Q1Q2 made = Rsa.q1q2(s, m);
        assertEquals(new Rsa.Q1Q2Check(true, true), Rsa.checkQ1Q2(s, m, made.q1(), made.q2()));
    }

    /** The two edges of 0 <= a - qM < M: an exact quotient (remainder 0) and a quotient one too small (remainder M). */
    @net.jqwik.api.Example
    void exactQuotientsAndTheirNeighbours() {
        BigInteger s = BigInteger.valueOf(1234567);
        BigInteger one = BigInteger.ONE;
        // M = 1 divides everything: Q1 = S^2 with remainder 0, and Q2 = 0.
        assertEquals(new Rsa.Q1Q2Check(true, true), Rsa.checkQ1Q2(s, one, s.multiply(s), BigInteger.ZERO));
        assertEquals(new Rsa.Q1Q2Check(false, true), Rsa.checkQ1Q2(s, one, s.multiply(s).subtract(one), BigInteger.ZERO),
                "remainder M");
        assertEquals(new Rsa.Q1Q2Check(false, true), Rsa.checkQ1Q2(s, one, s.multiply(s).add(one), BigInteger.ZERO),
                "remainder -M");
        // S = M: S^2 = M * M exactly, so Q1 = M and Q2 = 0.
        BigInteger m = BigInteger.valueOf(1000003);
        assertEquals(new Rsa.Q1Q2Check(true, true), Rsa.checkQ1Q2(m, m, m, BigInteger.ZERO));
        assertEquals(new Rsa.Q1Q2Check(false, true), Rsa.checkQ1Q2(m, m, m.subtract(one), BigInteger.ZERO));
        assertEquals(new Rsa.Q1Q2Check(true, false), Rsa.checkQ1Q2(m, m, m, one));
    }

    @net.jqwik.api.Example
    void numbersAreWrittenInExactly384Bytes() {
        assertArrayEquals(new byte[384], Rsa.toBigEndian(BigInteger.ZERO));
        byte[] one = new byte[384];
        one[383] = 1;
        assertArrayEquals(one, Rsa.toBigEndian(BigInteger.ONE));
        byte[] ones = new byte[384];
        Arrays.fill(ones, (byte) 0xff);
        BigInteger largest = BigInteger.ONE.shiftLeft(3072).subtract(BigInteger.ONE);
        assertArrayEquals(ones, Rsa.toBigEndian(largest), "toByteArray gives 385 bytes, the first a sign byte");
        assertEquals(largest, Rsa.fromLittleEndian(Rsa.toLittleEndian(largest)));
        assertThrows(IllegalArgumentException.class, () -> Rsa.toBigEndian(BigInteger.ONE.shiftLeft(3072)));
        assertThrows(IllegalArgumentException.class, () -> Rsa.toBigEndian(BigInteger.ONE.negate()));
    }

    @Provide
    Arbitrary<BigInteger> numbers() {
        // Up to 3072 bits, so also signatures above the modulus, and the small edge values.
        return Arbitraries.oneOf(Arbitraries.bigIntegers().between(BigInteger.ZERO, BigInteger.ONE.shiftLeft(3072)),
                Arbitraries.of(BigInteger.ZERO, BigInteger.ONE, BigInteger.TWO));
    }

    @Provide
    Arbitrary<BigInteger> moduli() {
        return Arbitraries.oneOf(Arbitraries.bigIntegers().between(BigInteger.ONE.shiftLeft(3071), BigInteger.ONE.shiftLeft(3072))
                .map(b -> b.setBit(0)), Arbitraries.of(BigInteger.ONE, BigInteger.valueOf(3)));
    }

    @Provide
    Arbitrary<Integer> deltas() {
        return Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.just(0), Arbitraries.integers().between(-2, 2));
    }
}
