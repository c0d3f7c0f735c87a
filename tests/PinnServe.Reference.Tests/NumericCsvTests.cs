using PinnServe.Contracts;

namespace PinnServe.Reference.Tests;

/// <summary>The one CSV reader (PinnServe.Contracts.NumericCsv): comments, quotes, headers and the errors it names.</summary>
public class NumericCsvTests
{
    private static NumericTable Read(string text, CsvHeader header = CsvHeader.Required) =>
        NumericCsv.Read(new StringReader(text), "t.csv", header);

    [Fact]
    public void Header_rows_comments_blank_lines_and_spaces()
    {
        var table = Read("# made by a test\n\nx, y ,u\r\n0,1,2\n  # a comment between rows\n3, 4.5e-1 ,-6\n\n");
        Assert.Equal(["x", "y", "u"], table.Columns);
        Assert.Equal(2, table.RowCount);
        Assert.Equal([0, 1, 2, 3, 0.45, -6], table.Values);
        Assert.Equal(6, table.LineNumber(1));
        Assert.Equal([2, -6], table.Column(2));
        Assert.Equal(1, table.IndexOf("y"));
        Assert.Equal(-1, table.IndexOf("z"));
    }

    [Fact]
    public void Quoted_cells_hold_commas_and_doubled_quotes()
    {
        var table = Read("\"x\",\"a, \"\"b\"\"\"\n\"1\", 2\n");
        Assert.Equal(["x", "a, \"b\""], table.Columns);
        Assert.Equal([1, 2], table.Values);
    }

    [Fact]
    public void An_optional_header_is_recognised_by_its_non_numeric_cells()
    {
        var bare = Read("0.5,0.25\n1,2\n", CsvHeader.Optional);
        Assert.Null(bare.Columns);
        Assert.Equal(2, bare.RowCount);
        var named = Read("y,x\n0.5,0.25\n", CsvHeader.Optional);
        Assert.Equal(["y", "x"], named.Columns);
        Assert.Equal(1, named.RowCount);
    }

    [Fact]
    public void A_required_header_is_taken_even_when_numeric()
    {
        var table = Read("1,2\n3,4\n");
        Assert.Equal(["1", "2"], table.Columns);
        Assert.Equal(1, table.RowCount);
    }

    [Fact]
    public void Non_finite_numbers_are_read_for_the_caller_to_judge()
    {
        var table = Read("u,v\nNaN,-Infinity\n");
        Assert.True(double.IsNaN(table[0, 0]));
        Assert.Equal(double.NegativeInfinity, table[0, 1]);
    }

    [Theory]
    [InlineData("x,y\n1,2,3\n", "t.csv:2: 3 cells, but the header has 2")]
    [InlineData("x,y\n1,abc\n", "t.csv:2: 'abc' in column 'y' is not a number")]
    [InlineData("x,x\n1,2\n", "t.csv:1: the header names column 'x' twice")]
    [InlineData("x,\n1,2\n", "t.csv:1: the header has an empty column name")]
    [InlineData("x,\"y\n", "t.csv:1: a quoted cell is not closed")]
    [InlineData("x,\"y\"z\n", "t.csv:1: text after a closing quote")]
    [InlineData("# only a comment\n\n", "t.csv: the file is empty")]
    public void Malformed_files_are_named_with_the_line(string text, string message) =>
        Assert.StartsWith(message, Assert.Throws<InvalidDataException>(() => Read(text)).Message);

    [Fact]
    public void A_missing_file_is_named_as_the_caller_names_it()
    {
        var e = Assert.Throws<FileNotFoundException>(() => NumericCsv.Read("/no/such/dir/data.csv", sourceName: "data.csv"));
        Assert.Equal("'data.csv' does not exist.", e.Message);
    }
}
