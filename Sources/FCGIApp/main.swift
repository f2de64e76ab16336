FCGIAppCommand.main()
