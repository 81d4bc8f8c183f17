namespace CrystalTransformer.Structures;

/// <summary>
/// A periodic cell. Rows of <see cref="Matrix"/> are the cell vectors a, b, c in Å (pymatgen's convention),
/// so Cartesian = fractional · Matrix.
/// </summary>
public sealed class Lattice
{
    public Mat3 Matrix { get; }
    public Mat3 InverseMatrix { get; }

    public Lattice(Mat3 matrix)
    {
        if (!matrix.IsFinite) throw new InputError("lattice has a non-finite component");
        double det = matrix.Determinant;
        if (!(Math.Abs(det) > 1e-8)) throw new InputError($"lattice volume is zero or degenerate ({det:G4} Å³)");
        if (!double.IsFinite(det)) throw new InputError("lattice volume overflows (cell vectors too long)");
        Matrix = matrix;
        InverseMatrix = matrix.Inverse();
        if (!InverseMatrix.IsFinite) throw new InputError("lattice cannot be inverted (cell vectors of wildly different scales)");
    }

    public Lattice(Vec3 a, Vec3 b, Vec3 c) : this(Mat3.FromRows(a, b, c)) { }

    /// <summary>
    /// Cell from lengths (Å) and angles (degrees) with pymatgen's default orientation
    /// (Lattice.from_parameters, vesta=False): c along z, a in the xz plane.
    /// </summary>
    public static Lattice FromParameters(double a, double b, double c, double alpha, double beta, double gamma)
    {
        foreach (var (name, v) in new[] { ("a", a), ("b", b), ("c", c) })
            if (!(v > 0) || !double.IsFinite(v)) throw new InputError($"cell length {name} must be positive, got {v:G6}");
        foreach (var (name, v) in new[] { ("alpha", alpha), ("beta", beta), ("gamma", gamma) })
            if (!(v > 0 && v < 180)) throw new InputError($"cell angle {name} must be between 0 and 180 degrees, got {v:G6}");
        if (alpha + beta + gamma >= 360 || alpha + beta < gamma || alpha + gamma < beta || beta + gamma < alpha)
            throw new InputError($"cell angles {alpha:G6}, {beta:G6}, {gamma:G6} do not form a valid cell");

        double ar = alpha * Math.PI / 180, br = beta * Math.PI / 180, gr = gamma * Math.PI / 180;
        double cosA = Math.Cos(ar), cosB = Math.Cos(br), cosG = Math.Cos(gr);
        double sinA = Math.Sin(ar), sinB = Math.Sin(br);
        double val = (cosA * cosB - cosG) / (sinA * sinB);
        val = Math.Clamp(val, -1.0, 1.0);
        double gammaStar = Math.Acos(val);
        var va = new Vec3(a * sinB, 0.0, a * cosB);
        var vb = new Vec3(-b * sinA * Math.Cos(gammaStar), b * sinA * Math.Sin(gammaStar), b * cosA);
        var vc = new Vec3(0.0, 0.0, c);
        return new Lattice(va, vb, vc);
    }

    public static Lattice Cubic(double a) => new(new Mat3(a, 0, 0, 0, a, 0, 0, 0, a));

    public Vec3 A => Matrix.Row(0);
    public Vec3 B => Matrix.Row(1);
    public Vec3 C => Matrix.Row(2);

    public double LengthA => A.Norm;
    public double LengthB => B.Norm;
    public double LengthC => C.Norm;
    public (double A, double B, double C) Lengths => (LengthA, LengthB, LengthC);

    /// <summary>Angle between b and c (degrees).</summary>
    public double Alpha => AngleDeg(B, C);
    /// <summary>Angle between a and c (degrees).</summary>
    public double Beta => AngleDeg(A, C);
    /// <summary>Angle between a and b (degrees).</summary>
    public double Gamma => AngleDeg(A, B);
    public (double Alpha, double Beta, double Gamma) Angles => (Alpha, Beta, Gamma);

    /// <summary>Cell volume in Å³ (always positive, also for left-handed cells).</summary>
    public double Volume => Math.Abs(Matrix.Determinant);

    public Vec3 ToCartesian(Vec3 frac) => frac * Matrix;
    public Vec3 ToFractional(Vec3 cart) => cart * InverseMatrix;

    /// <summary>Reciprocal lattice with the 2π factor (rows b1, b2, b3 with a_i·b_j = 2π δ_ij).</summary>
    public Lattice Reciprocal => new((2 * Math.PI) * InverseMatrix.Transpose());

    /// <summary>Reciprocal lattice without the 2π factor (crystallographer's convention).</summary>
    public Lattice ReciprocalCrystallographic => new(InverseMatrix.Transpose());

    /// <summary>
    /// Perpendicular distances between opposite faces of the cell (Å). A sphere of radius r fits in
    /// ceil(r / width) images along each direction; used to size periodic image searches.
    /// </summary>
    public Vec3 PerpendicularWidths
    {
        get
        {
            double v = Volume;
            return new Vec3(v / B.Cross(C).Norm, v / C.Cross(A).Norm, v / A.Cross(B).Norm);
        }
    }

    /// <summary>Shortest distance between fractional points under periodic boundary conditions (brute force over neighbouring images).</summary>
    public double PeriodicDistance(Vec3 fracA, Vec3 fracB)
    {
        var d = fracB - fracA;
        d = new Vec3(d.X - Math.Round(d.X), d.Y - Math.Round(d.Y), d.Z - Math.Round(d.Z));
        double best = double.MaxValue;
        for (int i = -1; i <= 1; i++)
        for (int j = -1; j <= 1; j++)
        for (int k = -1; k <= 1; k++)
        {
            double dist = ToCartesian(d + new Vec3(i, j, k)).NormSquared;
            if (dist < best) best = dist;
        }
        return Math.Sqrt(best);
    }

    public Lattice Scaled(double factor) => new(factor * Matrix);

    private static double AngleDeg(Vec3 u, Vec3 v)
    {
        double cos = Math.Clamp(u.Dot(v) / (u.Norm * v.Norm), -1.0, 1.0);
        return Math.Acos(cos) * 180.0 / Math.PI;
    }

    public override string ToString() =>
        FormattableString.Invariant($"Lattice(a={LengthA:F4}, b={LengthB:F4}, c={LengthC:F4}, α={Alpha:F3}, β={Beta:F3}, γ={Gamma:F3})");
}
