using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.Structures;

/// <summary>Formula strings and number formatting exactly as pymatgen 2022.11 / Python 3.11 produce them.</summary>
public class PymatgenConventionsTests
{
    [Theory]
    [InlineData(0.5, "0.5")]
    [InlineData(3.0, "3.0")]
    [InlineData(1e-05, "1e-05")]
    [InlineData(1.5e-07, "1.5e-07")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(123456.789, "123456.789")]
    [InlineData(1e16, "1e+16")]
    [InlineData(2.5e16, "2.5e+16")]
    [InlineData(0.33333333, "0.33333333")]
    [InlineData(0.00012345, "0.00012345")]
    public void FloatsPrintAsPythonPrintsThem(double value, string python) => Assert.Equal(python, PymatgenConventions.PythonFloat(value));

    // Expected strings from pymatgen: Composition(f).formula and .reduced_formula.
    [Theory]
    [InlineData("Ne1 Pt1 C1", "Ne1 Pt1 C1", "NePtC")]
    [InlineData("Ar2 Na1 Cl1", "Ar2 Na1 Cl1", "Ar2NaCl")]
    [InlineData("He1 Rf1 O2", "He1 Rf1 O2", "HeRfO2")]
    [InlineData("Fe2 O3", "Fe2 O3", "Fe2O3")]
    [InlineData("Li1 Fe1 P1 O4", "Li1 Fe1 P1 O4", "LiFePO4")]
    [InlineData("Na2 S1 O4", "Na2 S1 O4", "Na2SO4")]
    [InlineData("K1 O1", "K1 O1", "K2O2")]
    [InlineData("H1 O1", "H1 O1", "H2O2")]
    [InlineData("Al0.5 Ga1.5 O3", "Al0.5 Ga1.5 O3", "Al0.5Ga1.5O3")]
    [InlineData("Ca2 Nb1 Al1 O6", "Ca2 Nb1 Al1 O6", "Ca2NbAlO6")]
    [InlineData("Fe0.5 Ni0.5", "Fe0.5 Ni0.5", "Fe0.5Ni0.5")]
    [InlineData("O2", "O2", "O2")]
    [InlineData("W1 Pb1 O4", "Pb1 W1 O4", "PbWO4")] // pymatgen's X: Pb 2.33 < W 2.36 (mendeleev: 1.8 > 1.7)
    public void FormulasMatchPymatgen(string input, string formula, string reduced)
    {
        var c = Composition.Parse(input);
        Assert.Equal(formula, c.Formula);
        Assert.Equal(reduced, c.ReducedFormula);
    }

    [Fact]
    public void PythonSortKeepsPythonsOrderWithNaNKeys()
    {
        // sorted([nan, 2.28, 2.55]) in Python leaves the list as it is: nan is neither less nor greater.
        var items = new List<double> { double.NaN, 2.28, 2.55 };
        PymatgenConventions.PythonSort(items, (a, b) => a < b);
        Assert.Equal([double.NaN, 2.28, 2.55], items);
        // sorted([2.55, nan, 2.28]) == [2.55, nan, 2.28]; sorted([3, 1, 2]) == [1, 2, 3]
        items = [2.55, double.NaN, 2.28];
        PymatgenConventions.PythonSort(items, (a, b) => a < b);
        Assert.Equal([2.55, double.NaN, 2.28], items);
        items = [3, 1, 2];
        PymatgenConventions.PythonSort(items, (a, b) => a < b);
        Assert.Equal([1.0, 2, 3], items);
    }
}
